using System.Net;

namespace Interchange.Smtp.Client;

/// <summary>
/// One remote SMTP server to talk to: the address and port to connect to, and the host name it
/// is known by (the MX name or smart host), used for TLS SNI, certificate checks and logs.
/// </summary>
public sealed record SmtpTarget(IPAddress Address, int Port, string HostName)
{
    public IPEndPoint EndPoint => new(Address, Port);

    public override string ToString() => $"{HostName}[{Address}]:{Port}";
}
