using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Interchange.MailAuth.Dkim;

/// <summary>Reads a DKIM key record (RFC 6376 3.6.1, RFC 8463 4) into a key. Never throws: a record that
/// cannot be used is a permerror with the reason.</summary>
internal static class DkimKeyRecord
{
    public static DkimPublicKey Parse(string text, int maxRecordLength, int maxRsaBits)
    {
        if (text.Length > maxRecordLength)
        {
            return DkimPublicKey.Failed(DkimResult.PermError, $"key record of {text.Length} characters is over the limit of {maxRecordLength}");
        }

        if (!TagList.TryParse(text, out var tags, out var error))
        {
            return DkimPublicKey.Failed(DkimResult.PermError, $"malformed key record: {error}");
        }

        // v= is optional, but if present it is the first tag and DKIM1 (3.6.1).
        if (tags["v"] is { } version && (version != "DKIM1" || tags.Order[0] != "v"))
        {
            return DkimPublicKey.Failed(DkimResult.PermError, "key record version is not DKIM1");
        }

        var keyType = tags["k"] ?? "rsa";
        if (keyType is not ("rsa" or "ed25519"))
        {
            return DkimPublicKey.Failed(DkimResult.PermError, $"unknown key type k={keyType}");
        }

        // s= lists the service types; the key must be usable for email ("*" or "email").
        if (tags["s"] is { } services && !services.Split(':').Select(s => s.Trim()).Any(s => s is "*" or "email"))
        {
            return DkimPublicKey.Failed(DkimResult.PermError, "key is not for email (s=)");
        }

        if (tags["p"] is not { } encoded)
        {
            return DkimPublicKey.Failed(DkimResult.PermError, "key record has no p= tag");
        }

        encoded = TagList.WithoutWhitespace(encoded);
        if (encoded.Length == 0)
        {
            // An empty p= is a revoked key (3.6.1).
            return DkimPublicKey.Failed(DkimResult.PermError, "key revoked (empty p=)");
        }

        IReadOnlyList<string>? hashes = tags["h"] is { } h ? h.Split(':').Select(a => a.Trim()).ToList() : null;
        var strict = tags["t"] is { } flags && flags.Split(':').Any(f => f.Trim() == "s");

        byte[] data;
        try
        {
            data = Convert.FromBase64String(encoded);
        }
        catch (FormatException)
        {
            return DkimPublicKey.Failed(DkimResult.PermError, "key p= is not base64");
        }

        if (keyType == "ed25519")
        {
            // RFC 8463 4: the raw 32-byte public key, not wrapped in SubjectPublicKeyInfo.
            return data.Length == Ed25519PublicKeyParameters.KeySize
                ? DkimPublicKey.Usable(new Ed25519PublicKeyParameters(data, 0), keyType, hashes, strict)
                : DkimPublicKey.Failed(DkimResult.PermError, $"ed25519 key of {data.Length} bytes, not 32");
        }

        try
        {
            var key = ReadRsa(data);
            if (key is null)
            {
                return DkimPublicKey.Failed(DkimResult.PermError, "p= is not an RSA public key");
            }

            if (key.Modulus.BitLength > maxRsaBits)
            {
                // Verifying with a huge modulus costs much CPU for nothing the RFC asks (RFC 8301 3.2: up to 4096).
                return DkimPublicKey.Failed(DkimResult.PermError, $"RSA key of {key.Modulus.BitLength} bits is over the limit of {maxRsaBits}");
            }

            return DkimPublicKey.Usable(key, keyType, hashes, strict);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException or InvalidOperationException or FormatException or SecurityUtilityException or Asn1Exception)
        {
            return DkimPublicKey.Failed(DkimResult.PermError, "p= is not a well-formed RSA public key");
        }
    }

    // The RFC's form is SubjectPublicKeyInfo (3.6.1); some publish the bare RSAPublicKey, which we accept too.
    private static RsaKeyParameters? ReadRsa(byte[] data)
    {
        var sequence = Asn1Sequence.GetInstance(Asn1Object.FromByteArray(data));
        if (sequence.Count == 2 && sequence[0] is Asn1Sequence)
        {
            return PublicKeyFactory.CreateKey(SubjectPublicKeyInfo.GetInstance(sequence)) as RsaKeyParameters;
        }

        var rsa = RsaPublicKeyStructure.GetInstance(sequence);
        return new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent);
    }
}
