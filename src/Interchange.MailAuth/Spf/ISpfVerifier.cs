using System.Net;

namespace Interchange.MailAuth.Spf;

/// <summary>SPF verification of an SMTP client (RFC 7208). Never throws for DNS trouble or a bad
/// record: those are <see cref="SpfResult.TempError"/> and <see cref="SpfResult.PermError"/>. Only
/// cancellation by the caller's token throws.</summary>
public interface ISpfVerifier
{
    /// <summary>The MAIL FROM identity (RFC 7208 2.4): <c>check_host(ip, domain of mailFrom, mailFrom)</c>;
    /// for the null reverse-path the HELO identity stands in (<c>postmaster@helo</c>, 2.4).</summary>
    /// <param name="client">The SMTP client's address.</param>
    /// <param name="helo">The HELO/EHLO name as given (may be an address literal or garbage).</param>
    /// <param name="mailFrom">The MAIL FROM address, empty for <c>&lt;&gt;</c>.</param>
    Task<SpfOutcome> VerifyMailFromAsync(IPAddress client, string helo, string mailFrom, CancellationToken cancellationToken);

    /// <summary>The HELO identity (RFC 7208 2.3): <c>check_host(ip, helo, postmaster@helo)</c>; <see cref="SpfResult.None"/>
    /// when the name is not a domain name (an address literal).</summary>
    Task<SpfOutcome> VerifyHeloAsync(IPAddress client, string helo, CancellationToken cancellationToken);
}
