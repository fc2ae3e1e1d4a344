using System.Text;

namespace Interchange.MailAuth.Dkim;

/// <summary>
/// A DKIM key record (RFC 6376 3.6.1, RFC 8463 4): its owner name
/// <c>selector._domainkey.domain</c> and its value <c>v=DKIM1; k=rsa; p=…</c>, which a zone
/// file holds as character-strings of at most 255 octets each (RFC 1035 3.3.14; RFC 6376 3.6.2.2:
/// a verifier joins them with nothing in between).
/// </summary>
public sealed record DkimDnsRecord(string Domain, string Selector, DkimKeyAlgorithm Algorithm, string PublicKey)
{
    /// <summary>The most a character-string holds (RFC 1035 3.3).</summary>
    public const int MaxStringLength = 255;

    /// <summary>The owner name, <c>selector._domainkey.domain</c> (RFC 6376 3.6.2.1).</summary>
    public string Name => $"{Selector}._domainkey.{Domain}";

    /// <summary>The record's value as one string.</summary>
    public string Value => $"v=DKIM1; k={(Algorithm == DkimKeyAlgorithm.Ed25519 ? "ed25519" : "rsa")}; p={PublicKey}";

    /// <summary>The value cut into character-strings of at most 255 octets (the value is ASCII).</summary>
    public IReadOnlyList<string> Strings => Split(Value);

    /// <summary>One zone-file line: <c>name. IN TXT "part" "part"</c>.</summary>
    public string ZoneLine => $"{Name}. IN TXT {string.Join(' ', Strings.Select(s => $"\"{s}\""))}";

    public static IReadOnlyList<string> Split(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (Encoding.UTF8.GetByteCount(value) != value.Length)
        {
            throw new ArgumentException("a DKIM key record is ASCII", nameof(value));
        }

        var parts = new List<string>();
        for (var start = 0; start < value.Length; start += MaxStringLength)
        {
            parts.Add(value.Substring(start, Math.Min(MaxStringLength, value.Length - start)));
        }

        return parts.Count == 0 ? [string.Empty] : parts;
    }
}
