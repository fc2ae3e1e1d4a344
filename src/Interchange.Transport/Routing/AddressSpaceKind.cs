namespace Interchange.Transport.Routing;

public enum AddressSpaceKind
{
    /// <summary>One domain.</summary>
    Domain,

    /// <summary>The subdomains of a domain, not the domain itself.</summary>
    Subdomains,

    /// <summary>Every domain.</summary>
    All,
}
