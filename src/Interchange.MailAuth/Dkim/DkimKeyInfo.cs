using System.Text.Json.Serialization;

namespace Interchange.MailAuth.Dkim;

/// <summary>
/// What the key store knows of one key, without the private key: its domain (A-labels, lower
/// case), selector, algorithm, size, when it was made, whether it signs now, and the public key
/// as the DNS record's <c>p=</c> value (base64).
/// </summary>
public sealed record DkimKeyInfo(
    string Domain,
    string Selector,
    DkimKeyAlgorithm Algorithm,
    int Bits,
    DateTimeOffset Created,
    bool Active,
    string PublicKey)
{
    /// <summary>The TXT record that publishes this key (RFC 6376 3.6.1).</summary>
    [JsonIgnore]
    public DkimDnsRecord Record => new(Domain, Selector, Algorithm, PublicKey);
}
