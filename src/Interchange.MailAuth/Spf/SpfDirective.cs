using System.Net;

namespace Interchange.MailAuth.Spf;

/// <summary>One parsed directive (RFC 7208 4.6.1): a qualifier and a mechanism with its arguments.</summary>
/// <param name="Qualifier">The result when the mechanism matches (4.6.2; "+" when absent).</param>
/// <param name="Kind">The mechanism.</param>
/// <param name="Text">The term as written, for logs and <see cref="SpfOutcome.Mechanism"/>.</param>
/// <param name="DomainSpec">The unexpanded domain-spec, or null for the current domain (a, mx, ptr) or none (all, ip4, ip6).</param>
/// <param name="Network">The network of ip4/ip6.</param>
/// <param name="Prefix4">IPv4 prefix length (a, mx, ip4; 32 when absent).</param>
/// <param name="Prefix6">IPv6 prefix length (a, mx, ip6; 128 when absent).</param>
internal sealed record SpfDirective(
    SpfResult Qualifier,
    SpfMechanismKind Kind,
    string Text,
    string? DomainSpec = null,
    IPAddress? Network = null,
    int Prefix4 = 32,
    int Prefix6 = 128);
