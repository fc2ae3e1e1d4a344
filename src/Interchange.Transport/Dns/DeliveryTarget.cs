using System.Net;

namespace Interchange.Transport.Dns;

/// <summary>One host to try: its name (for logs, TLS SNI and certificate checks), its MX preference
/// (0 for an implicit MX, a smart host or an address literal), its addresses in the order to try them,
/// and the port.</summary>
public sealed record DeliveryTarget(string Host, int Preference, IReadOnlyList<IPAddress> Addresses, int Port)
{
    /// <summary>Every address record found came back DNSSEC-validated from the trusted resolver (RFC 7672 2.2.2:
    /// only then is the host's TLSA record looked up).</summary>
    public bool Authenticated { get; init; }

    public override string ToString() =>
        $"{Host} (preference {Preference}, {string.Join(", ", Addresses)}, port {Port})";
}
