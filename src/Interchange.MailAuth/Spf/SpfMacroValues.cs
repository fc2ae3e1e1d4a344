namespace Interchange.MailAuth.Spf;

/// <summary>The values macros expand to that stay fixed for one check (RFC 7208 7.3).</summary>
/// <param name="Sender">%{s}: the sender, "postmaster@" substituted when it had no local-part (4.3).</param>
/// <param name="LocalPart">%{l}.</param>
/// <param name="SenderDomain">%{o}.</param>
/// <param name="IpDotted">%{i}: dotted quad, or 32 dot-separated nibbles for IPv6.</param>
/// <param name="IpReadable">%{c}: the usual text form (explanations only).</param>
/// <param name="IsIPv6">Selects %{v}: "ip6" or "in-addr".</param>
/// <param name="Helo">%{h}.</param>
/// <param name="Receiver">%{r} (explanations only).</param>
/// <param name="Now">%{t} (explanations only).</param>
internal sealed record SpfMacroValues(
    string Sender,
    string LocalPart,
    string SenderDomain,
    string IpDotted,
    string IpReadable,
    bool IsIPv6,
    string Helo,
    string Receiver,
    DateTimeOffset Now);
