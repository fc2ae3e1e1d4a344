using Interchange.Imap.Protocol;

namespace Interchange.Imap.Fetch;

/// <summary>Why a FETCH item cannot be answered (nothing was written): the command ends <c>NO [code] error</c>.</summary>
public sealed record FetchRefusal(ImapResponseCode Code, string Error);
