using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Filters;

/// <summary>A filter's answer at one stage; <see cref="Reply"/> is what the client is told for
/// <see cref="SmtpFilterVerdictKind.Reject"/> and <see cref="SmtpFilterVerdictKind.TempFail"/>.</summary>
public sealed record SmtpFilterVerdict(SmtpFilterVerdictKind Kind, SmtpReply? Reply = null)
{
    public static SmtpFilterVerdict Continue { get; } = new(SmtpFilterVerdictKind.Continue);

    public static SmtpFilterVerdict Accept { get; } = new(SmtpFilterVerdictKind.Accept);

    public static SmtpFilterVerdict Discard { get; } = new(SmtpFilterVerdictKind.Discard);

    /// <summary>550 5.7.1 with <paramref name="text"/> (Postfix's default for a milter reject).</summary>
    public static SmtpFilterVerdict Reject(string text) => new(SmtpFilterVerdictKind.Reject, new SmtpReply(550, "5.7.1", text));

    /// <summary>451 4.7.1 with <paramref name="text"/>.</summary>
    public static SmtpFilterVerdict TempFail(string text) => new(SmtpFilterVerdictKind.TempFail, new SmtpReply(451, "4.7.1", text));

    /// <summary>A filter's own reply: 4xx reads as a temporary failure, 5xx as a rejection.</summary>
    public static SmtpFilterVerdict WithReply(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return reply.Code switch
        {
            >= 400 and < 500 => new(SmtpFilterVerdictKind.TempFail, reply),
            >= 500 and < 600 => new(SmtpFilterVerdictKind.Reject, reply),
            _ => throw new ArgumentException($"a filter reply must be 4xx or 5xx, not {reply.Code}", nameof(reply)),
        };
    }
}
