namespace Interchange.Web.Autoconfig;

/// <summary>
/// One way for a mail client to reach the server: <paramref name="Protocol"/> is <c>imap</c>,
/// <c>pop3</c> or <c>smtp</c> (submission); <paramref name="ImplicitTls"/> is true for TLS from
/// the first byte (RFC 8314: 993, 995, 465) and false for STARTTLS (143, 110, 587).
/// </summary>
public sealed record ClientEndpoint(string Protocol, string Host, int Port, bool ImplicitTls)
{
    /// <summary>Thunderbird's and Apple's word for the security: <c>SSL</c> or <c>STARTTLS</c>.</summary>
    public string SocketType => ImplicitTls ? "SSL" : "STARTTLS";
}
