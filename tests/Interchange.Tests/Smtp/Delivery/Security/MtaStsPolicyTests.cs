using Interchange.Smtp.Delivery.Security;
using Shouldly;

namespace Interchange.Tests.Smtp.Delivery.Security;

/// <summary>The policy body (RFC 8461 3.2), the TXT record (3.1) and MX patterns (4.1).</summary>
public sealed class MtaStsPolicyTests
{
    [Fact]
    public void TheRfcExample_Parses_WithEveryMxInOrder()
    {
        // RFC 8461 3.2's example, with CRLF line ends.
        const string text = "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n";
        MtaStsPolicy.TryParse(text, out var policy, out var error).ShouldBeTrue(error);
        policy!.Mode.ShouldBe(MtaStsMode.Enforce);
        policy.Mx.ShouldBe(["mail.example.com", "*.example.net", "backupmx.example.com"]);
        policy.MaxAge.ShouldBe(TimeSpan.FromSeconds(604800));
        policy.Text.ShouldBe(text);
    }

    [Theory]
    [InlineData("version: STSv1\nmode: testing\nmx: mx.example.org\nmax_age: 86400", MtaStsMode.Testing)]
    [InlineData("version: STSv1\nmode: none\nmax_age: 0\n", MtaStsMode.None)]
    [InlineData("version:STSv1\nmode:\tenforce  \nmx:mx.example.org\nmax_age:31557600\n", MtaStsMode.Enforce)]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: 86400\nfuture_field: anything at all\n\n", MtaStsMode.Enforce)]
    public void ValidPolicies_Parse(string text, MtaStsMode mode)
    {
        MtaStsPolicy.TryParse(text, out var policy, out var error).ShouldBeTrue(error);
        policy!.Mode.ShouldBe(mode);
    }

    [Theory]
    [InlineData("mode: enforce\nmx: mx.example.org\nmax_age: 86400", "no version")]
    [InlineData("version: STSv2\nmode: enforce\nmx: mx.example.org\nmax_age: 86400", "not STSv1")]
    [InlineData("version: stsv1\nmode: enforce\nmx: mx.example.org\nmax_age: 86400", "not STSv1")]
    [InlineData("version: STSv1\nmode: Enforce\nmx: mx.example.org\nmax_age: 86400", "is not enforce")]
    [InlineData("version: STSv1\nmx: mx.example.org\nmax_age: 86400", "no mode")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.org", "no max_age")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: 31557601", "max_age")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: -1", "max_age")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.org\nmax_age: 12345678901", "max_age")]
    [InlineData("version: STSv1\nmode: enforce\nmax_age: 86400", "no mx")]
    [InlineData("version: STSv1\nmode: testing\nmode: enforce\nmx: mx.example.org\nmax_age: 86400", "twice")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.*.example.org\nmax_age: 86400", "mx")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx .example.org\nmax_age: 86400", "mx")]
    [InlineData("version: STSv1\nmode enforce\nmx: mx.example.org\nmax_age: 86400", "key: value")]
    [InlineData("<html>not a policy</html>", "key: value")]
    public void InvalidPolicies_AreRefused_WithTheReason(string text, string reason)
    {
        MtaStsPolicy.TryParse(text, out var policy, out var error).ShouldBeFalse();
        policy.ShouldBeNull();
        error.ShouldContain(reason);
    }

    [Theory]
    [InlineData("mail.example.com", "mail.example.com", true)]
    [InlineData("mail.example.com", "MAIL.Example.COM.", true)]
    [InlineData("mail.example.com", "mail2.example.com", false)]
    [InlineData("*.example.net", "mx1.example.net", true)]
    [InlineData("*.example.net", "MX1.EXAMPLE.NET", true)]
    [InlineData("*.example.net", "example.net", false)]
    [InlineData("*.example.net", "a.b.example.net", false)]
    [InlineData("*.example.net", "mx1.example.net.evil", false)]
    [InlineData("*.example.net", "mx1example.net", false)]
    [InlineData("*.example.net", ".example.net", false)]
    public void MxPatterns_MatchAsRfc8461Section41Says(string pattern, string host, bool matches) =>
        MtaStsPolicy.MatchesPattern(pattern, host).ShouldBe(matches);

    [Theory]
    [InlineData(new[] { "v=STSv1; id=20160831085700Z;" }, "20160831085700Z")]
    [InlineData(new[] { "v=STSv1;id=abc" }, "abc")]
    [InlineData(new[] { "v=spf1 -all", "v=STSv1; id=abc; ext=value" }, "abc")]
    public void TxtRecords_GiveTheId(string[] txt, string id) =>
        MtaStsRecord.Find(txt, out _)!.Id.ShouldBe(id);

    [Theory]
    [InlineData(new[] { "v=spf1 -all" }, "no v=STSv1")]
    [InlineData(new[] { "v=STSv1; id=a", "v=STSv1; id=b" }, "2 v=STSv1 records")]
    [InlineData(new[] { "v=STSv1;" }, "no id")]
    [InlineData(new[] { "v=STSv1; id=" }, "1 to 32")]
    [InlineData(new[] { "v=STSv1; id=123456789012345678901234567890123" }, "1 to 32")]
    [InlineData(new[] { "v=STSv1; id=a-b" }, "1 to 32")]
    [InlineData(new[] { "v=STSv1; id=a; id=b" }, "twice")]
    [InlineData(new[] { "v=STSv1x; id=a" }, "does not start")]
    [InlineData(new[] { "v=STSv1; junk" }, "name=value")]
    public void BadTxtRecords_MeanNoPolicy(string[] txt, string reason)
    {
        MtaStsRecord.Find(txt, out var why).ShouldBeNull();
        why.ShouldContain(reason);
    }
}
