using System.Text;
using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;
using Interchange.Tests.TestSupport;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Shouldly;
using Xunit;

namespace Interchange.Tests.MailAuth.Dkim;

/// <summary>
/// The signer at unit level, judged by MimeKit's verifiers with the stored public keys (the
/// integration tests judge with python3-dkim and opendkim).
/// </summary>
public sealed class OutboundSignerTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 4, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly DkimKeyStore _store;
    private readonly ManualTimeProvider _clock = new(Now);

    public OutboundSignerTests() => _store = DkimKeyStore.InDataFolder(_temp.Path);

    public void Dispose() => _temp.Dispose();

    private const string Message =
        "From: Alice <alice@example.test>\r\nTo: bob@remote.test\r\nSubject: hello\r\nDate: Wed, 02 Dec 2026 04:00:00 +0000\r\nMessage-ID: <1@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHello Bob.\r\n";

    private OutboundSigner Signer(DkimSigningOptions? dkim = null, ArcOptions? arc = null) =>
        new(new DkimKeyring(_store, TimeSpan.Zero, clock: _clock), dkim ?? new DkimSigningOptions(), arc ?? new ArcOptions(), "example.test", "mx.example.test", clock: _clock);

    private static async Task<(byte[] Fields, MimeMessage Signed)> SignAsync(OutboundSigner signer, string message, bool forwarded = false)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        using var stream = new MemoryStream(bytes);
        var fields = await signer.SignAsync(stream, forwarded, CancellationToken.None);
        using var signed = new MemoryStream([.. fields, .. bytes]);
        return (fields, MimeMessage.Load(signed));
    }

    private sealed class StoreLocator(DkimKeyStore store) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey(store.List(domain).Single(k => k.Selector == selector).Record.Value);

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }

    [Fact]
    public async Task RsaAndEd25519Keys_TwoSignatures_RelaxedRelaxed_FromOversigned_ClockTimestamp_BothVerify()
    {
        _store.Generate("example.test", "rsa", DkimKeyAlgorithm.Rsa, 1024, Now);
        _store.Generate("example.test", "ed", DkimKeyAlgorithm.Ed25519, 0, Now);

        var (fields, signed) = await SignAsync(Signer(), Message);

        var text = Encoding.ASCII.GetString(fields);
        text.Replace("\r\n", "", StringComparison.Ordinal).ShouldNotContain("\n", customMessage: "CRLF line ends only");
        text.ShouldEndWith("\r\n");
        var signatures = signed.Headers.Where(h => h.Id == HeaderId.DkimSignature).ToList();
        signatures.Count.ShouldBe(2);
        var values = signatures.Select(s => s.Value.Replace(" ", "", StringComparison.Ordinal).Replace("\t", "", StringComparison.Ordinal).Replace("\r\n", "", StringComparison.Ordinal)).ToList();
        values.ShouldContain(v => v.Contains("a=rsa-sha256", StringComparison.Ordinal) && v.Contains("s=rsa;", StringComparison.Ordinal));
        values.ShouldContain(v => v.Contains("a=ed25519-sha256", StringComparison.Ordinal) && v.Contains("s=ed;", StringComparison.Ordinal));
        values.ShouldAllBe(v => v.Contains("d=example.test;", StringComparison.Ordinal) && v.Contains("c=relaxed/relaxed", StringComparison.Ordinal)
            && v.Contains("h=from:from:subject:date:to:message-id:mime-version:content-type;", StringComparison.Ordinal)
            && v.Contains($"t={Now.ToUnixTimeSeconds()}", StringComparison.Ordinal) && !v.Contains("x=", StringComparison.Ordinal));

        var verifier = new DkimVerifier(new StoreLocator(_store)) { MinimumRsaKeyLength = 1024 };
        foreach (var signature in signatures)
        {
            (await verifier.VerifyAsync(signed, signature)).ShouldBeTrue(signature.Value);
        }
    }

    [Fact]
    public async Task Expiration_SetsXAfterT_AndAChangedBodyNoLongerVerifies()
    {
        _store.Generate("example.test", "ed", DkimKeyAlgorithm.Ed25519, 0, Now);

        var (fields, signed) = await SignAsync(Signer(new DkimSigningOptions { Expiration = TimeSpan.FromDays(7) }), Message);

        var value = signed.Headers[HeaderId.DkimSignature]!.Replace(" ", "", StringComparison.Ordinal);
        value.ShouldContain($"x={Now.AddDays(7).ToUnixTimeSeconds()}");
        using var tampered = new MemoryStream([.. fields, .. Encoding.ASCII.GetBytes(Message.Replace("Hello Bob.", "Hello Eve.", StringComparison.Ordinal))]);
        var changed = MimeMessage.Load(tampered);
        var verifier = new DkimVerifier(new StoreLocator(_store));
        (await verifier.VerifyAsync(changed, changed.Headers[changed.Headers.IndexOf(HeaderId.DkimSignature)])).ShouldBeFalse();
    }

    [Theory]
    [InlineData("From: someone@elsewhere.test\r\n")]
    [InlineData("From: a@example.test, b@elsewhere.test\r\n")]
    [InlineData("")]
    public async Task FromNotALocalDomainWithAKey_OrNoSingleFromDomain_Unsigned(string from)
    {
        _store.Generate("example.test", "ed", DkimKeyAlgorithm.Ed25519, 0, Now);

        var (fields, _) = await SignAsync(Signer(), from + "Subject: x\r\n\r\nbody\r\n");

        fields.ShouldBeEmpty();
    }

    [Fact]
    public async Task Disabled_Unsigned()
    {
        _store.Generate("example.test", "ed", DkimKeyAlgorithm.Ed25519, 0, Now);
        (await SignAsync(Signer(new DkimSigningOptions { Enabled = false }), Message)).Fields.ShouldBeEmpty();
    }

    [Fact]
    public async Task Garbage_NeitherThrowsNorSigns()
    {
        _store.Generate("example.test", "ed", DkimKeyAlgorithm.Ed25519, 0, Now);
        foreach (var garbage in new[] { "\0\0\0 not a message", string.Empty, "From: a@example.test\r\n\0\0\r\n" })
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(garbage));
            await Should.NotThrowAsync(() => Signer().SignAsync(stream, forwarded: true, CancellationToken.None));
        }
    }

    private const string Forwarded =
        "Authentication-Results: mx.example.test; spf=pass smtp.mailfrom=carol@outside.test; dkim=pass header.d=outside.test\r\n" +
        "Authentication-Results: mx.example.test; dkim=fail (an older one, below ours)\r\n" +
        "Authentication-Results: forger.test; dkim=pass header.d=bank.test\r\n" +
        "From: Carol <carol@outside.test>\r\nTo: alias@example.test\r\nSubject: forwarded\r\nDate: Wed, 02 Dec 2026 04:00:00 +0000\r\nMessage-ID: <2@outside.test>\r\n\r\nHi.\r\n";

    [Fact]
    public async Task Forwarded_SealedWithThePrimaryDomainsRsaKey_AarCopiesOurTopmostResults_CvNone_MimeKitVerifiesTheChain()
    {
        _store.Generate("example.test", "rsa", DkimKeyAlgorithm.Rsa, 1024, Now);
        _store.Generate("example.test", "ed", DkimKeyAlgorithm.Ed25519, 0, Now);

        var (_, signed) = await SignAsync(Signer(), Forwarded, forwarded: true);

        signed.Headers.Take(3).Select(h => h.Id).ShouldBe([HeaderId.ArcSeal, HeaderId.ArcMessageSignature, HeaderId.ArcAuthenticationResults]);
        var aar = signed.Headers[HeaderId.ArcAuthenticationResults]!;
        aar.ShouldContain("i=1; mx.example.test;");
        aar.ShouldContain("spf=pass smtp.mailfrom=carol@outside.test");
        aar.ShouldContain("dkim=pass header.d=outside.test");
        aar.ShouldNotContain("bank.test");
        aar.ShouldNotContain("fail");
        var seal = signed.Headers[HeaderId.ArcSeal]!.Replace(" ", "", StringComparison.Ordinal);
        seal.ShouldContain("i=1;a=rsa-sha256;cv=none;d=example.test;s=rsa;");
        signed.Headers.Contains(HeaderId.DkimSignature).ShouldBeFalse("From is not ours: no DKIM signature");

        var chain = await new ArcVerifier(new StoreLocator(_store)) { MinimumRsaKeyLength = 1024 }.VerifyAsync(signed);
        chain.Chain.ShouldBe(ArcSignatureValidationResult.Pass);
    }

    [Fact]
    public async Task Forwarded_WithoutOurResults_AarSaysNone()
    {
        _store.Generate("example.test", "rsa", DkimKeyAlgorithm.Rsa, 1024, Now);

        var (_, signed) = await SignAsync(Signer(), "From: c@outside.test\r\nSubject: x\r\n\r\nbody\r\n", forwarded: true);

        signed.Headers[HeaderId.ArcAuthenticationResults]!.Replace(" ", "", StringComparison.Ordinal).ShouldBe("i=1;mx.example.test;none");
    }

    [Fact]
    public async Task Forwarded_WithAnEarlierChainNobodyChecked_NotSealed_ButOurOwnFromIsStillSigned()
    {
        _store.Generate("example.test", "rsa", DkimKeyAlgorithm.Rsa, 1024, Now);
        var earlier = "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=outside.test; s=x; t=1; b=AAAA\r\n";

        var (_, signed) = await SignAsync(Signer(), earlier + Message, forwarded: true);

        signed.Headers.Count(h => h.Id == HeaderId.ArcSeal).ShouldBe(1, "only the earlier one");
        signed.Headers.Contains(HeaderId.DkimSignature).ShouldBeTrue();
    }

    [Fact]
    public async Task Forwarded_SealingOff_OrNoRsaKey_NotSealed()
    {
        _store.Generate("example.test", "ed", DkimKeyAlgorithm.Ed25519, 0, Now);
        (await SignAsync(Signer(), Forwarded, forwarded: true)).Fields.ShouldBeEmpty("ARC is RSA only (RFC 8617)");

        _store.Generate("example.test", "rsa", DkimKeyAlgorithm.Rsa, 1024, Now);
        (await SignAsync(Signer(arc: new ArcOptions { SealForwarded = false }), Forwarded, forwarded: true)).Fields.ShouldBeEmpty();
    }
}
