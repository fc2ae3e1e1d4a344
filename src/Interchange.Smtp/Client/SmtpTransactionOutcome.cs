using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Client;

/// <summary>
/// The bookkeeping of one transaction, kept apart from I/O: each recipient's outcome from the
/// MAIL reply, its own RCPT reply and the reply after the data. Replies to a pipelined group
/// come back in the order of the commands (RFC 2920 3.1), so the n-th RCPT reply is the n-th
/// recipient's.
/// </summary>
internal static class SmtpTransactionOutcome
{
    /// <summary>
    /// <paramref name="rcptReplies"/> may be shorter than the recipients when the session broke
    /// (or MAIL was refused); <paramref name="dataReply"/> is null when no data was sent or its
    /// answer never came. <paramref name="broken"/> is the made-up reply for the recipients that
    /// have no final answer because the session broke.
    /// </summary>
    public static List<SmtpRecipientOutcome> Resolve(IReadOnlyList<SmtpOutboundRecipient> recipients, SmtpReply? mailReply, IReadOnlyList<SmtpReply> rcptReplies, SmtpReply? dataReply, SmtpReply? broken)
    {
        var outcomes = new List<SmtpRecipientOutcome>(recipients.Count);
        for (var i = 0; i < recipients.Count; i++)
        {
            var recipient = recipients[i];
            if (mailReply is null || mailReply.IsError)
            {
                outcomes.Add(mailReply is null ? Local(recipient, broken) : Remote(recipient, mailReply));
            }
            else if (i >= rcptReplies.Count)
            {
                outcomes.Add(Local(recipient, broken));
            }
            else if (rcptReplies[i].IsError)
            {
                outcomes.Add(Remote(recipient, rcptReplies[i]));
            }
            else if (dataReply is null)
            {
                outcomes.Add(Local(recipient, broken));
            }
            else
            {
                outcomes.Add(Remote(recipient, dataReply));
            }
        }

        return outcomes;
    }

    public static SmtpOutcomeKind KindOf(SmtpReply reply) =>
        reply.Code >= 500 ? SmtpOutcomeKind.Failed : reply.Code >= 400 ? SmtpOutcomeKind.Deferred : SmtpOutcomeKind.Delivered;

    private static SmtpRecipientOutcome Remote(SmtpOutboundRecipient recipient, SmtpReply reply) => new(recipient, KindOf(reply), reply);

    private static SmtpRecipientOutcome Local(SmtpOutboundRecipient recipient, SmtpReply? broken)
    {
        var reply = broken ?? new SmtpReply(451, "4.4.0", "session ended before a final reply");
        return new SmtpRecipientOutcome(recipient, KindOf(reply) == SmtpOutcomeKind.Delivered ? SmtpOutcomeKind.Deferred : KindOf(reply), reply, Local: true);
    }
}
