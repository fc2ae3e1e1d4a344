using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Client;

/// <summary>
/// One recipient's outcome and the reply it rests on: the remote reply, or one the client made
/// up (<see cref="Local"/> true) when it refused before sending or the session broke.
/// </summary>
public sealed record SmtpRecipientOutcome(SmtpOutboundRecipient Recipient, SmtpOutcomeKind Kind, SmtpReply Reply, bool Local = false)
{
    /// <summary>The enhanced status code (RFC 3463), from the reply or derived from its basic code.</summary>
    public string EnhancedCode => Reply.Enhanced ?? $"{Reply.Code / 100}.0.0";

    public override string ToString() => $"{Recipient} {Kind} {(Local ? "(local) " : string.Empty)}{Reply}";
}
