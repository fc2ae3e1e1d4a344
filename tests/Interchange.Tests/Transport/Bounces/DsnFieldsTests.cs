using System.Text;
using Interchange.Transport.Bounces;
using Shouldly;

namespace Interchange.Tests.Transport.Bounces;

/// <summary>The value checks every sender- or peer-supplied string passes on its way into a DSN.</summary>
public sealed class DsnFieldsTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a+2Bb", "a+b")]
    [InlineData("a+3db", "a=b")]
    [InlineData("caf+C3+A9", "caf\u00e9")]
    [InlineData("x+0D+0Ay", "x\r\ny")]
    public void Xtext_decodes_hex_escapes(string xtext, string expected)
    {
        DsnFields.TryDecodeXtext(xtext, out var decoded).ShouldBeTrue();
        decoded.ShouldBe(expected);
    }

    [Theory]
    [InlineData("a+2")]
    [InlineData("a+ZZ")]
    [InlineData("a=b")]
    [InlineData("a b")]
    [InlineData("+C3")]
    [InlineData("+FF+FE")]
    public void Malformed_xtext_or_bytes_that_are_not_utf8_are_refused(string xtext) =>
        DsnFields.TryDecodeXtext(xtext, out _).ShouldBeFalse();

    [Theory]
    [InlineData("rfc822;bob@remote.test", "rfc822;bob@remote.test")]
    [InlineData("RFC822;Bob+2Bx@remote.test", "rfc822;Bob+x@remote.test")]
    [InlineData("utf-8;b\\x{F8}b@remote.test", "utf-8;b\\x{F8}b@remote.test")]
    [InlineData("utf-8;b+C3+B8b@remote.test", "utf-8;b\\x{F8}b@remote.test")]
    [InlineData("rfc822;b+C3+B8b@remote.test", "utf-8;b\\x{F8}b@remote.test")]
    [InlineData("x-custom;some+20thing", "x-custom;some thing")]
    public void An_orcpt_becomes_a_safe_original_recipient(string orcpt, string expected)
    {
        DsnFields.OriginalRecipient(orcpt, out var problem).ShouldBe(expected);
        problem.ShouldBeNull();
    }

    [Theory]
    [InlineData("bob@remote.test")]
    [InlineData(";bob@remote.test")]
    [InlineData("rfc 822;bob@remote.test")]
    [InlineData("rfc822;")]
    [InlineData("rfc822;bob+0D+0AX-Evil:+201")]
    [InlineData("rfc822;bob+09tab")]
    [InlineData("utf-8;bob\\x{D}\\x{A}X-Evil: 1")]
    [InlineData("utf-8;bob\\x{110000}")]
    [InlineData("utf-8;bob\\y")]
    [InlineData("utf-8;bob\\x{}")]
    public void An_orcpt_that_is_malformed_or_decodes_to_controls_is_refused(string orcpt)
    {
        DsnFields.OriginalRecipient(orcpt, out var problem).ShouldBeNull();
        problem.ShouldNotBeNull();
    }

    [Theory]
    [InlineData("bob@remote.test", "rfc822;bob@remote.test")]
    [InlineData("b\u00f8b@r\u00e9mote.test", "utf-8;b\\x{F8}b@r\\x{E9}mote.test")]
    [InlineData("a+b=c\\d@x.test\u00e9", "utf-8;a\\x{2B}b\\x{3D}c\\x{5C}d@x.test\\x{E9}")]
    [InlineData("bob\r\n@x.test", "utf-8;bob\\x{D}\\x{A}@x.test")]
    [InlineData("\U0001F600@x.test", "utf-8;\\x{1F600}@x.test")]
    public void Addresses_are_rfc822_when_printable_ascii_else_utf8_addr_xtext(string address, string expected) =>
        DsnFields.TypedAddress(address).ShouldBe(expected);

    [Theory]
    [InlineData("QQ314159", "QQ314159")]
    [InlineData("id with spaces", "id with spaces")]
    [InlineData("a\r\nX-Evil: 1", null)]
    [InlineData("caf\u00e9", null)]
    [InlineData("", null)]
    public void An_envelope_id_must_be_printable_ascii(string envelopeId, string? expected) =>
        DsnFields.EnvelopeId(envelopeId, out _).ShouldBe(expected);

    [Theory]
    [InlineData("5.1.1", true)]
    [InlineData("4.4.7", true)]
    [InlineData("2.0.0", true)]
    [InlineData("5.123.456", true)]
    [InlineData("3.1.1", false)]
    [InlineData("5.1", false)]
    [InlineData("5.1.1234", false)]
    [InlineData("5.a.1", false)]
    [InlineData(null, false)]
    public void Enhanced_status_codes_follow_rfc_3463(string? status, bool valid) =>
        DsnFields.IsEnhancedStatus(status).ShouldBe(valid);

    [Fact]
    public void Peer_text_becomes_one_printable_ascii_line() =>
        DsnFields.AsciiLine("550 caf\u00e9\r\nX-Evil:\t1\u0000\U0001F600").ShouldBe("550 caf? X-Evil: 1 ?");

    [Fact]
    public void Fields_fold_at_spaces_and_split_tokens_no_line_can_hold()
    {
        var text = new StringBuilder();
        DsnFields.AppendField(text, "Diagnostic-Code", "smtp; " + string.Join(' ', Enumerable.Repeat("word", 100)) + " " + new string('z', 2500));

        var lines = text.ToString().Split("\r\n");
        lines[^1].ShouldBe(string.Empty);
        lines[0].ShouldStartWith("Diagnostic-Code: smtp;");
        lines.ShouldAllBe(line => line.Length <= 998);
        lines.Skip(1).SkipLast(1).ShouldAllBe(line => line.StartsWith(' '));
        lines.Where(line => !line.Contains('z')).ShouldAllBe(line => line.Length <= 78);
    }
}
