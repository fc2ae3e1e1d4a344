namespace Interchange.MailAuth.Dkim;

/// <summary>DKIM signing of mail out (configuration section <c>Dkim</c>; docs/DKIM.md).</summary>
public sealed class DkimSigningOptions
{
    /// <summary>Sign mail whose From domain is a local domain with an active key.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The header fields to sign (RFC 6376 5.4); null for <see cref="DkimHeaderSet.Recommended"/>.
    /// From is always signed, and oversigned (listed once more than present, 5.4.2), so no From can be added after signing.
    /// </summary>
    public string[]? SignHeaders { get; set; }

    /// <summary>The signature's lifetime (<c>x=</c>, RFC 6376 3.5); none by default (a verifier may then check it any time later).</summary>
    public TimeSpan? Expiration { get; set; }

    /// <summary>How often the running server looks at the key store for changes (a few file times).</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Expiration is { } x && x <= TimeSpan.Zero)
        {
            problems.Add("Dkim:Expiration must be positive (or unset for no x=)");
        }

        if (ReloadInterval < TimeSpan.Zero)
        {
            problems.Add("Dkim:ReloadInterval must not be negative");
        }

        if (SignHeaders is { } headers && !headers.Any(h => string.Equals(h?.Trim(), "From", StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add("Dkim:SignHeaders must include From (RFC 6376 5.4)");
        }

        return problems;
    }
}
