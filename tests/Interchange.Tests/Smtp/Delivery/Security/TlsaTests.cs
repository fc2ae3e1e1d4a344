using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Interchange.Smtp.Client;
using Interchange.Smtp.Delivery.Security;
using Interchange.Transport.Dns;
using Shouldly;

namespace Interchange.Tests.Smtp.Delivery.Security;

/// <summary>TLSA usability (RFC 7672 3.1), matching (RFC 6698 2.1) and DANE authentication (RFC 7672 3).</summary>
public sealed class TlsaTests
{
    [Theory]
    [InlineData(3, 1, 1, 32, true)]
    [InlineData(3, 0, 1, 32, true)]
    [InlineData(3, 1, 2, 64, true)]
    [InlineData(3, 1, 0, 91, true)]
    [InlineData(2, 0, 1, 32, true)]
    [InlineData(0, 0, 1, 32, false)] // PKIX-TA: unusable for SMTP (RFC 7672 3.1.3)
    [InlineData(1, 1, 1, 32, false)] // PKIX-EE
    [InlineData(4, 1, 1, 32, false)]
    [InlineData(3, 2, 1, 32, false)]
    [InlineData(3, 1, 3, 32, false)]
    [InlineData(3, 1, 1, 31, false)] // a SHA-256 of the wrong length
    [InlineData(3, 1, 2, 32, false)]
    [InlineData(3, 1, 0, 0, false)]
    public void Usability(int usage, int selector, int matching, int length, bool usable) =>
        Tlsa.IsUsable(new DnsTlsaRecord((byte)usage, (byte)selector, (byte)matching, new byte[length])).ShouldBe(usable);

    [Fact]
    public void EachSelectorAndMatchingType_MatchesTheCertificate_AndNotAnother()
    {
        using var cert = TestCertificates.SelfSigned("mx.example.org", out var key);
        using var other = TestCertificates.SelfSigned("mx.example.org", out var otherKey);
        // The key's SubjectPublicKeyInfo taken from the key object, not from the certificate.
        var spki = key.ExportSubjectPublicKeyInfo();
        var records = new[]
        {
            new DnsTlsaRecord(3, 1, 1, SHA256.HashData(spki)),
            new DnsTlsaRecord(3, 1, 2, SHA512.HashData(spki)),
            new DnsTlsaRecord(3, 1, 0, spki),
            new DnsTlsaRecord(3, 0, 1, SHA256.HashData(cert.RawData)),
            new DnsTlsaRecord(3, 0, 2, SHA512.HashData(cert.RawData)),
            new DnsTlsaRecord(3, 0, 0, cert.RawData),
        };
        foreach (var record in records)
        {
            Tlsa.Matches(record, cert).ShouldBeTrue(Tlsa.Describe(record));
            Tlsa.Matches(record, other).ShouldBeFalse(Tlsa.Describe(record));
        }

        key.Dispose();
        otherKey.Dispose();
    }

    [Fact]
    public void DaneEe_Authenticates_WithoutNameOrDateChecks()
    {
        // RFC 7672 3.1.1: the name and the validity dates of a DANE-EE certificate do not matter.
        using var expired = TestCertificates.SelfSigned("some-other-name.example", out var key, DateTimeOffset.UtcNow.AddDays(-1));
        var validator = new DaneValidator([new DnsTlsaRecord(3, 1, 1, SHA256.HashData(key.ExportSubjectPublicKeyInfo()))]);
        var verdict = validator.Validate("mx.example.org", expired, null, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors);
        verdict.Authenticated.ShouldBeTrue(verdict.Detail);
        verdict.Detail.ShouldContain("DANE-EE 3 1 1");
        key.Dispose();
    }

    [Fact]
    public void DaneEe_WithAnotherKey_IsNotAuthenticated_AValidationFailure()
    {
        using var cert = TestCertificates.SelfSigned("mx.example.org", out var key);
        var validator = new DaneValidator([new DnsTlsaRecord(3, 1, 1, new byte[32])]);
        var verdict = validator.Validate("mx.example.org", cert, null, SslPolicyErrors.None);
        verdict.Authenticated.ShouldBeFalse();
        verdict.Failure.ShouldBe(SmtpTlsFailure.ValidationFailure);
        key.Dispose();
    }

    [Fact]
    public void DaneTa_AuthenticatesALeafIssuedByThePresentedAnchor_ThatNamesTheHost()
    {
        using var ca = TestCertificates.Ca("Test TA", out var caKey);
        using var leaf = TestCertificates.Leaf("mx.example.org", ca, caKey, out var leafKey);
        using var chain = new X509Chain();
        chain.ChainPolicy.ExtraStore.Add(leaf);
        chain.ChainPolicy.ExtraStore.Add(ca); // what the peer sent: its certificate and the anchor
        var validator = new DaneValidator([new DnsTlsaRecord(2, 0, 1, SHA256.HashData(ca.RawData))]);

        validator.Validate("mx.example.org", leaf, chain, SslPolicyErrors.RemoteCertificateChainErrors).Authenticated.ShouldBeTrue();

        var wrongName = validator.Validate("mx2.example.org", leaf, chain, SslPolicyErrors.RemoteCertificateChainErrors);
        wrongName.Authenticated.ShouldBeFalse();
        wrongName.Failure.ShouldBe(SmtpTlsFailure.CertificateHostMismatch);

        // The anchor not sent by the peer: nothing to match (RFC 7672 3.1.2: the server must send it).
        using var bare = new X509Chain();
        bare.ChainPolicy.ExtraStore.Add(leaf);
        validator.Validate("mx.example.org", leaf, bare, SslPolicyErrors.RemoteCertificateChainErrors).Authenticated.ShouldBeFalse();
        caKey.Dispose();
        leafKey.Dispose();
    }

    [Fact]
    public void DaneTa_DoesNotAuthenticateALeafOfAnotherIssuer()
    {
        using var ca = TestCertificates.Ca("Test TA", out var caKey);
        using var otherCa = TestCertificates.Ca("Other CA", out var otherKey);
        using var leaf = TestCertificates.Leaf("mx.example.org", otherCa, otherKey, out var leafKey);
        using var chain = new X509Chain();
        chain.ChainPolicy.ExtraStore.Add(leaf);
        chain.ChainPolicy.ExtraStore.Add(ca);
        var validator = new DaneValidator([new DnsTlsaRecord(2, 1, 1, SHA256.HashData(ca.PublicKey.ExportSubjectPublicKeyInfo()))]);
        validator.Validate("mx.example.org", leaf, chain, SslPolicyErrors.RemoteCertificateChainErrors).Authenticated.ShouldBeFalse();
        caKey.Dispose();
        otherKey.Dispose();
        leafKey.Dispose();
    }

    [Fact]
    public void EveryFailureType_HasItsRfc8460Name()
    {
        Enum.GetValues<SmtpTlsFailure>().Select(f => f.Rfc8460Name()).ShouldBe(
        [
            "starttls-not-supported", "certificate-host-mismatch", "certificate-expired", "certificate-not-trusted", "validation-failure",
            "tlsa-invalid", "dnssec-invalid", "dane-required", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid",
        ]);
    }
}
