using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Client;

/// <summary>
/// One RCPT TO with its DSN parameters (RFC 3461 4.1, 4.2): <see cref="Notify"/> as given
/// (<c>NEVER</c> or a list of <c>SUCCESS,FAILURE,DELAY</c>), <see cref="OriginalRecipient"/>
/// as it goes on the wire, <c>addr-type;xtext</c> (the form the queue keeps it in).
/// </summary>
public sealed record SmtpOutboundRecipient(SmtpPath Address, string? Notify = null, string? OriginalRecipient = null)
{
    public override string ToString() => Address.ToString();
}
