using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Client;

/// <summary>
/// The outcome of one transaction: a line per recipient, the reply that ended it (the reply to
/// the data, or the one that stopped it earlier), and whether the connection may carry the next
/// message to the same destination.
/// </summary>
public sealed record SmtpDeliveryResult(IReadOnlyList<SmtpRecipientOutcome> Recipients, SmtpReply? FinalReply, bool ConnectionReusable, string? Note = null)
{
    public IEnumerable<SmtpRecipientOutcome> Delivered => Recipients.Where(r => r.Kind == SmtpOutcomeKind.Delivered);

    public IEnumerable<SmtpRecipientOutcome> Deferred => Recipients.Where(r => r.Kind == SmtpOutcomeKind.Deferred);

    public IEnumerable<SmtpRecipientOutcome> Failed => Recipients.Where(r => r.Kind == SmtpOutcomeKind.Failed);

    public override string ToString() =>
        $"{string.Join("; ", Recipients)} | final {FinalReply?.ToString() ?? "none"} | reusable {ConnectionReusable}{(Note is null ? string.Empty : " | " + Note)}";
}
