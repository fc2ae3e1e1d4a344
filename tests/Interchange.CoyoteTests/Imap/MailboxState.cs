using Interchange.Storage.Mail;

namespace Interchange.CoyoteTests.Imap;

/// <summary>One committed state of a mailbox in <see cref="MemoryMailStore"/>.</summary>
internal sealed record MailboxState(long Id, string Name, long UidValidity, long UidNext, long HighestModSeq, IReadOnlyList<StoredMessage> Messages);
