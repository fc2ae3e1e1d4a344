using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Interchange.Smtp.Client;
using Interchange.Transport.Dns;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// Authenticates an MX host by its DNSSEC-validated TLSA records (RFC 7672 3), in place of PKIX:
/// a DANE-EE(3) record matches the host's own certificate, with no name or validity-date check
/// (3.1.1: the key is what was published); a DANE-TA(2) record matches a certificate the host sent
/// in its chain, which must then lead to the host's certificate, and the host's certificate must
/// name the MX host (3.1.2, 3.2.2). No record matching: not authenticated, and the delivery waits.
/// </summary>
public sealed class DaneValidator : IPeerCertificateValidator
{
    private readonly IReadOnlyList<DnsTlsaRecord> _records;

    /// <param name="records">The usable records (<see cref="Tlsa.IsUsable"/>); at least one.</param>
    public DaneValidator(IReadOnlyList<DnsTlsaRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0 || !records.All(Tlsa.IsUsable))
        {
            throw new ArgumentException("DANE needs usable TLSA records", nameof(records));
        }

        _records = records;
    }

    public IReadOnlyList<DnsTlsaRecord> Records => _records;

    public PeerCertificateVerdict Validate(string hostName, X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (var record in _records.Where(r => r.CertificateUsage == Tlsa.DaneEe))
        {
            if (Tlsa.Matches(record, certificate))
            {
                return PeerCertificateVerdict.Valid(Tlsa.Describe(record));
            }
        }

        var presented = chain?.ChainPolicy.ExtraStore ?? [];
        var nameMismatch = false;
        foreach (var record in _records.Where(r => r.CertificateUsage == Tlsa.DaneTa))
        {
            foreach (var anchor in presented.Cast<X509Certificate2>().Where(c => !c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)))
            {
                if (!Tlsa.Matches(record, anchor) || !ChainsTo(certificate, anchor, presented))
                {
                    continue;
                }

                if (certificate.MatchesHostname(hostName))
                {
                    return PeerCertificateVerdict.Valid($"{Tlsa.Describe(record)} ({anchor.Subject})");
                }

                nameMismatch = true;
            }
        }

        return nameMismatch
            ? PeerCertificateVerdict.Invalid(SmtpTlsFailure.CertificateHostMismatch, $"the certificate ({certificate.Subject}) chains to the DANE-TA anchor but does not name {hostName}")
            : PeerCertificateVerdict.Invalid(SmtpTlsFailure.ValidationFailure, $"no TLSA record of {hostName} ({string.Join(", ", _records.Select(Tlsa.Describe))}) matches the certificate ({certificate.Subject})");
    }

    /// <summary>The host's certificate leads to <paramref name="anchor"/> through the certificates it sent (dates checked, revocation not).</summary>
    private static bool ChainsTo(X509Certificate2 leaf, X509Certificate2 anchor, X509Certificate2Collection presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(anchor);
        chain.ChainPolicy.ExtraStore.AddRange(presented);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
