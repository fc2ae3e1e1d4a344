using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Interchange.Transport.Dns;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>TLSA records for SMTP (RFC 6698 2.1, RFC 7672 3.1): which are usable, and whether one matches a certificate.</summary>
public static class Tlsa
{
    /// <summary>Certificate usage DANE-TA(2): the record names a trust anchor of the peer's chain.</summary>
    public const byte DaneTa = 2;

    /// <summary>Certificate usage DANE-EE(3): the record names the peer's own certificate or key.</summary>
    public const byte DaneEe = 3;

    /// <summary>
    /// RFC 7672 3.1: only DANE-TA(2) and DANE-EE(3) are usable for SMTP (PKIX-TA(0) and PKIX-EE(1) are
    /// not: MX hosts are not expected to have public CA certificates); selectors Cert(0) and SPKI(1);
    /// matching Full(0), SHA2-256(1), SHA2-512(2), with data of the digest's length (RFC 7671 5.1).
    /// </summary>
    public static bool IsUsable(DnsTlsaRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.CertificateUsage is DaneTa or DaneEe
            && record.Selector is 0 or 1
            && record.MatchingType switch
            {
                0 => record.Data.Length > 0,
                1 => record.Data.Length == 32,
                2 => record.Data.Length == 64,
                _ => false,
            };
    }

    /// <summary>The record's data equals the selected part of <paramref name="certificate"/> (or its digest).</summary>
    public static bool Matches(DnsTlsaRecord record, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(certificate);
        byte[] selected = record.Selector switch
        {
            0 => certificate.RawData,
            1 => certificate.PublicKey.ExportSubjectPublicKeyInfo(),
            _ => [],
        };
        if (selected.Length == 0)
        {
            return false;
        }

        byte[]? compared = record.MatchingType switch
        {
            0 => selected,
            1 => SHA256.HashData(selected),
            2 => SHA512.HashData(selected),
            _ => null,
        };
        return compared is not null && CryptographicOperations.FixedTimeEquals(compared, record.Data.Span);
    }

    /// <summary>"3 1 1" and the like, for logs.</summary>
    public static string Describe(DnsTlsaRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var usage = record.CertificateUsage switch { 0 => "PKIX-TA", 1 => "PKIX-EE", DaneTa => "DANE-TA", DaneEe => "DANE-EE", _ => "usage" };
        return $"{usage} {record.CertificateUsage} {record.Selector} {record.MatchingType}";
    }
}
