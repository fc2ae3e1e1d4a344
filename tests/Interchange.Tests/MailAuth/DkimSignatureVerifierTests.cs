using System.Text;
using Interchange.MailAuth.Dkim;
using Interchange.Tests.TestSupport;
using Interchange.Tests.Transport.Dns;
using Interchange.Transport.Dns;
using MimeKit;
using MimeKit.Cryptography;
using Shouldly;

namespace Interchange.Tests.MailAuth;

public sealed class DkimSignatureVerifierTests
{
    private const string KeyName = "sel._domainkey.example.com";

    private static (DkimSignatureVerifier Verifier, DkimKeyCache Cache) Make(IDnsResolver dns, DkimOptions? options = null, TimeProvider? time = null)
    {
        options ??= new DkimOptions();
        var cache = new DkimKeyCache(dns, options, time);
        return (new DkimSignatureVerifier(cache, options, time), cache);
    }

    private static async Task<DkimSignatureResult> VerifyOneAsync(IDnsResolver dns, MimeMessage message, DkimOptions? options = null) =>
        (await Make(dns, options).Verifier.VerifyAsync(TestKeys.Reload(message), CancellationToken.None)).ShouldHaveSingleItem();

    [Fact]
    public async Task An_RSA_signature_with_its_key_published_passes_with_domain_selector_and_b_prefix()
    {
        var dns = new FakeDnsResolver().Publish(KeyName, TestKeys.RsaRecord(TestKeys.Rsa));
        var message = TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel");

        var result = await VerifyOneAsync(dns, message);

        result.Result.ShouldBe(DkimResult.Pass, result.Reason);
        result.Domain.ShouldBe("example.com");
        result.Selector.ShouldBe("sel");
        result.Algorithm.ShouldBe("rsa-sha256");
        result.SignaturePrefix!.Length.ShouldBe(8);
        message.Headers[HeaderId.DkimSignature]!.Replace(" ", "").ShouldContain("b=" + result.SignaturePrefix);
    }

    [Fact]
    public async Task An_Ed25519_signature_passes()
    {
        var dns = new FakeDnsResolver().Publish(KeyName, TestKeys.Ed25519Record);
        var message = TestKeys.Signed(TestKeys.Message(), TestKeys.Ed25519.Private, "example.com", "sel", DkimSignatureAlgorithm.Ed25519Sha256);

        var result = await VerifyOneAsync(dns, message);

        result.Result.ShouldBe(DkimResult.Pass, result.Reason);
        result.Algorithm.ShouldBe("ed25519-sha256");
    }

    [Fact]
    public async Task A_body_changed_after_signing_fails()
    {
        var dns = new FakeDnsResolver().Publish(KeyName, TestKeys.RsaRecord(TestKeys.Rsa));
        var bytes = TestKeys.Bytes(TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel"));
        var text = Encoding.ASCII.GetString(bytes).Replace("this is a test", "this is a tesT", StringComparison.Ordinal);

        var result = (await Make(dns).Verifier.VerifyAsync(MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(text))), CancellationToken.None)).Single();

        result.Result.ShouldBe(DkimResult.Fail);
    }

    [Fact]
    public async Task A_signed_header_changed_after_signing_fails()
    {
        var dns = new FakeDnsResolver().Publish(KeyName, TestKeys.RsaRecord(TestKeys.Rsa));
        var message = TestKeys.Reload(TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel"));
        message.Headers[HeaderId.Subject] = "changed";

        (await Make(dns).Verifier.VerifyAsync(message, CancellationToken.None)).Single().Result.ShouldBe(DkimResult.Fail);
    }

    [Fact]
    public async Task No_key_at_the_selector_is_a_permerror()
    {
        var dns = new FakeDnsResolver();
        var message = TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel");

        var result = await VerifyOneAsync(dns, message);

        result.Result.ShouldBe(DkimResult.PermError);
        result.Reason!.ShouldContain("no key");
    }

    [Fact]
    public async Task A_SERVFAIL_is_a_temperror_and_is_not_cached()
    {
        var dns = new FakeDnsResolver().Answer(KeyName, "TXT", DnsLookup<string>.TemporaryFailure("SERVFAIL"));
        var message = TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel");
        var (verifier, cache) = Make(dns);

        (await verifier.VerifyAsync(TestKeys.Reload(message), CancellationToken.None)).Single().Result.ShouldBe(DkimResult.TempError);
        (await verifier.VerifyAsync(TestKeys.Reload(message), CancellationToken.None)).Single().Result.ShouldBe(DkimResult.TempError);

        dns.Queries.Count(q => q == $"TXT {KeyName}").ShouldBe(2);
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public async Task A_resolver_that_never_answers_is_a_temperror_after_the_lookup_timeout()
    {
        var dns = new SlowDnsResolver();
        var message = TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel");
        var options = new DkimOptions { KeyLookupTimeout = TimeSpan.FromMilliseconds(100) };

        var result = await VerifyOneAsync(dns, message, options).WaitAsync(TimeSpan.FromSeconds(30));

        result.Result.ShouldBe(DkimResult.TempError);
        result.Reason!.ShouldContain("timed out");
    }

    [Theory]
    [InlineData("v=DKIM1; k=rsa; p=", "revoked")]
    [InlineData("v=DKIM1; k=rsa; p=!!!notbase64", "not base64")]
    [InlineData("v=DKIM1; k=rsa; p=AAAA", "RSA public key")]
    [InlineData("v=DKIM1; k=dsa; p=AAAA", "unknown key type")]
    [InlineData("k=rsa; v=DKIM1; p=AAAA", "version")]
    [InlineData("v=DKIM1; s=other; p=AAAA", "not for email")]
    [InlineData("v=DKIM1; k=rsa; k=rsa; p=AAAA", "twice")]
    [InlineData("v=DKIM1; k=ed25519; p=AAAA", "not 32")]
    public async Task A_key_record_that_cannot_be_used_is_a_permerror(string record, string reason)
    {
        var dns = new FakeDnsResolver().Publish(KeyName, record);
        var message = TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel");

        var result = await VerifyOneAsync(dns, message);

        result.Result.ShouldBe(DkimResult.PermError);
        result.Reason!.ShouldContain(reason);
    }

    [Fact]
    public async Task A_huge_TXT_key_record_is_a_permerror_without_parsing_it()
    {
        var dns = new FakeDnsResolver().Publish(KeyName, "v=DKIM1; k=rsa; p=" + new string('A', 100_000));
        var message = TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel");

        var result = await VerifyOneAsync(dns, message);

        result.Result.ShouldBe(DkimResult.PermError);
        result.Reason!.ShouldContain("over the limit");
    }

    [Fact]
    public async Task An_RSA_key_under_1024_bits_is_policy()
    {
        var dns = new FakeDnsResolver().Publish(KeyName, TestKeys.RsaRecord(TestKeys.Rsa512));
        var message = TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa512.Private, "example.com", "sel");

        (await VerifyOneAsync(dns, message)).Result.ShouldBe(DkimResult.Policy);
    }

    [Fact]
    public async Task A_key_that_does_not_fit_the_algorithm_is_a_permerror()
    {
        var dns = new FakeDnsResolver().Publish(KeyName, TestKeys.Ed25519Record);
        var message = TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel");

        (await VerifyOneAsync(dns, message)).Result.ShouldBe(DkimResult.PermError);
    }

    public static TheoryData<string, DkimResult> MalformedFields => new()
    {
        { "garbage without tags", DkimResult.PermError },
        { "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA", DkimResult.PermError },                 // no b=
        { "v=2; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA", DkimResult.PermError },        // version
        { "v=1; a=rsa-md5; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA", DkimResult.PermError },           // algorithm
        { "v=1; a=rsa-sha1; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA", DkimResult.Policy },             // RFC 8301
        { "v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; bh=AAAA; b=AAAA", DkimResult.PermError },  // From not signed
        { "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; i=x@other.org; bh=AAAA; b=AAAA", DkimResult.PermError },
        { "v=1; a=rsa-sha256; d=exa mple..com; s=sel; h=from; bh=AAAA; b=AAAA", DkimResult.PermError },
        { "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; c=fancy; bh=AAAA; b=AAAA", DkimResult.PermError },
        { "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; q=http; bh=AAAA; b=AAAA", DkimResult.PermError },
        { "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; l=-5; bh=AAAA; b=AAAA", DkimResult.PermError },
        { "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; x=1000; bh=AAAA; b=AAAA", DkimResult.PermError }, // expired
        { "v=1; a=rsa-sha256; d=example.com; d=example.org; s=sel; h=from; bh=AAAA; b=AAAA", DkimResult.PermError },
        { "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=%%%%", DkimResult.PermError },         // b= not base64: MimeKit throws, we do not
    };

    [Theory]
    [MemberData(nameof(MalformedFields))]
    public async Task Malformed_DKIM_Signature_fields_give_the_RFC_result_without_an_exception(string value, DkimResult expected)
    {
        var dns = new FakeDnsResolver().Publish(KeyName, TestKeys.RsaRecord(TestKeys.Rsa));
        var message = TestKeys.Message();
        message.Headers.Insert(0, new Header("DKIM-Signature", value));

        var result = (await Make(dns).Verifier.VerifyAsync(message, CancellationToken.None)).ShouldHaveSingleItem();

        result.Result.ShouldBe(expected, result.Reason);
    }

    [Fact]
    public async Task Signatures_past_the_limit_are_neutral_and_cost_no_lookup()
    {
        var dns = new FakeDnsResolver().Publish(KeyName, TestKeys.RsaRecord(TestKeys.Rsa));
        var message = TestKeys.Message();
        for (var i = 0; i < 4; i++)
        {
            message.Headers.Insert(0, new Header("DKIM-Signature", $"v=1; a=rsa-sha256; d=example.com; s=s{i}; h=from; bh=AAAA; b=AAAA"));
        }

        var results = await Make(dns, new DkimOptions { MaxSignatures = 2 }).Verifier.VerifyAsync(message, CancellationToken.None);

        results.Select(r => r.Result).ShouldBe([DkimResult.PermError, DkimResult.PermError, DkimResult.Neutral, DkimResult.Neutral]);
        dns.Queries.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_key_is_looked_up_once_then_cached_until_its_time_is_up()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var dns = new FakeDnsResolver().Publish(KeyName, TestKeys.RsaRecord(TestKeys.Rsa));
        var message = TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel");
        var (verifier, _) = Make(dns, new DkimOptions { KeyCacheTtl = TimeSpan.FromMinutes(10) }, time);

        for (var i = 0; i < 3; i++)
        {
            (await verifier.VerifyAsync(TestKeys.Reload(message), CancellationToken.None)).Single().Result.ShouldBe(DkimResult.Pass);
        }

        dns.Queries.Count.ShouldBe(1);
        time.Advance(TimeSpan.FromMinutes(11));
        (await verifier.VerifyAsync(TestKeys.Reload(message), CancellationToken.None)).Single().Result.ShouldBe(DkimResult.Pass);
        dns.Queries.Count.ShouldBe(2);
    }

    [Fact]
    public async Task The_cache_stays_within_its_bound()
    {
        var dns = new FakeDnsResolver();
        var cache = new DkimKeyCache(dns, new DkimOptions { KeyCacheMaxEntries = 10 });

        for (var i = 0; i < 100; i++)
        {
            (await cache.GetAsync("example.com", $"s{i}", CancellationToken.None)).Error.ShouldBe(DkimResult.PermError);
        }

        cache.Count.ShouldBeLessThanOrEqualTo(11);
    }
}
