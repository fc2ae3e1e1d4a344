namespace Interchange.Transport.Dns;

/// <summary>Limits and choices of <see cref="MxResolver"/> (<c>Transport:Mx</c>).</summary>
public sealed class MxResolverOptions
{
    /// <summary>MX hosts tried at most, lowest preference first; the rest are dropped.</summary>
    public int MaxHosts { get; set; } = 5;

    /// <summary>Addresses, over all hosts, tried at most.</summary>
    public int MaxAddresses { get; set; } = 10;

    /// <summary>Address families and their order within one host.</summary>
    public AddressOrder AddressOrder { get; set; } = AddressOrder.IPv4First;

    /// <summary>The TCP port of MX targets (RFC 5321 4.5.4.2 says 25; another only for tests).</summary>
    public int Port { get; set; } = 25;
}
