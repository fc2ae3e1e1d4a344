using Interchange.Core.Addressing;

namespace Interchange.Transport.Routing;

/// <summary>
/// Which recipient domains a route serves: one domain (<c>example.com</c>), the subdomains of one
/// (<c>*.example.com</c>: <c>a.example.com</c>, <c>b.a.example.com</c>, NOT <c>example.com</c>
/// itself, as in Exchange's and Postfix's transport maps with a leading dot; a route for both
/// is two routes), or every domain (<c>*</c>). Domains are canonical (IDNA ASCII, lower case).
/// </summary>
public readonly record struct AddressSpace
{
    private AddressSpace(AddressSpaceKind kind, string domain)
    {
        Kind = kind;
        Domain = domain;
    }

    /// <summary>Every domain: <c>*</c>.</summary>
    public static AddressSpace All { get; } = new(AddressSpaceKind.All, string.Empty);

    public AddressSpaceKind Kind { get; }

    /// <summary>The domain, or the parent domain of <c>*.domain</c>; empty for <c>*</c>.</summary>
    public string Domain { get; }

    /// <summary>As written in the table: <c>example.com</c>, <c>*.example.com</c> or <c>*</c>.</summary>
    public string Value => Kind switch
    {
        AddressSpaceKind.All => "*",
        AddressSpaceKind.Subdomains => "*." + Domain,
        _ => Domain,
    };

    /// <summary>
    /// Higher is more specific: an exact domain above any wildcard, a longer wildcard above a
    /// shorter one (both matching one domain, the longer has more labels), <c>*</c> lowest.
    /// </summary>
    public int Specificity => Kind switch
    {
        AddressSpaceKind.All => 0,
        AddressSpaceKind.Subdomains => 1 + Domain.Length,
        _ => int.MaxValue,
    };

    public override string ToString() => Value;

    /// <summary>Whether <paramref name="domain"/> (canonical) is in this space.</summary>
    public bool Matches(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return Kind switch
        {
            AddressSpaceKind.All => true,
            AddressSpaceKind.Subdomains => domain.Length > Domain.Length + 1
                && domain.EndsWith(Domain, StringComparison.Ordinal)
                && domain[domain.Length - Domain.Length - 1] == '.',
            _ => string.Equals(domain, Domain, StringComparison.Ordinal),
        };
    }

    public static AddressSpace Parse(string text) =>
        TryParse(text, out var space, out var error) ? space : throw new FormatException(error);

    public static bool TryParse(string? text, out AddressSpace space, out string error)
    {
        space = default;
        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed == "*")
        {
            space = All;
            error = string.Empty;
            return true;
        }

        var kind = AddressSpaceKind.Domain;
        if (trimmed.StartsWith("*.", StringComparison.Ordinal))
        {
            kind = AddressSpaceKind.Subdomains;
            trimmed = trimmed[2..];
        }

        if (trimmed.Contains('*', StringComparison.Ordinal) || !DomainName.TryParse(trimmed, out var domain, out error))
        {
            error = $"'{text}' is not an address space: write a domain (example.com), its subdomains (*.example.com) or * for every domain";
            return false;
        }

        space = new AddressSpace(kind, domain.Value);
        error = string.Empty;
        return true;
    }
}
