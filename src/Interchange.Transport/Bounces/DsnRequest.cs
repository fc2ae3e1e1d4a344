using Interchange.Storage.Content;
using Interchange.Storage.Queue;

namespace Interchange.Transport.Bounces;

/// <summary>
/// One original message and what happened to its recipients: the input of
/// <see cref="DsnBuilder.BuildAsync"/>. The content is read, not owned: the caller disposes it.
/// </summary>
/// <param name="Envelope">The original envelope: reverse-path, ENVID (already xtext-decoded), RET, SMTPUTF8.</param>
/// <param name="ArrivalDate">When the original was queued (Arrival-Date).</param>
/// <param name="Content">The original message; at most <c>Transport:DsnReturnLimit</c> bytes of it are read.</param>
/// <param name="Recipients">Every recipient to report on; those whose NOTIFY does not ask for their action are left out.</param>
public sealed record DsnRequest(
    Envelope Envelope,
    DateTimeOffset ArrivalDate,
    MessageContent Content,
    IReadOnlyList<DsnRecipient> Recipients);
