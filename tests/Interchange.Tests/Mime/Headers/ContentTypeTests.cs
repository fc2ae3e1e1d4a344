using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Interchange.Mime.Headers;
using Shouldly;

namespace Interchange.Tests.Mime.Headers;

/// <summary>Content-Type and Content-Disposition values: RFC 2045 syntax, RFC 2231 parameters, and what senders really write.</summary>
public sealed class ContentTypeTests
{
    [Fact]
    public void Type_subtype_and_parameter_names_are_lower_cased_values_kept()
    {
        var type = ContentType.Parse("TEXT/HTML; CHARSET=UTF-8; Format=Flowed")!;

        type.MimeType.ShouldBe("text/html");
        type.Charset.ShouldBe("UTF-8");
        type.Parameters.Select(p => p.Name).ShouldBe(["charset", "format"]);
        type.Parameters["FORMAT"].ShouldBe("Flowed");
        type.IsText.ShouldBeTrue();
        type.IsDefault.ShouldBeFalse();
    }

    [Theory]
    [InlineData("text/plain (comment); charset=us-ascii (Plain text)", "charset", "us-ascii")]
    [InlineData("text/plain; name=\"a \\\"b\\\" c\"", "name", "a \"b\" c")]
    [InlineData("text/html charset=utf-8", "charset", "utf-8")]
    [InlineData("application/pdf; name=My File.pdf", "name", "My File.pdf")]
    [InlineData("application/pdf; name=\"unterminated", "name", "unterminated")]
    [InlineData("text/plain;charset=\"iso-8859-1\";;", "charset", "iso-8859-1")]
    [InlineData("text/plain; junk; charset=utf-8", "charset", "utf-8")]
    [InlineData("application/pdf; filename=\"=?UTF-8?B?w6lzdC5wZGY=?=\"", "filename", "ést.pdf")]
    [InlineData("message/external-body; access-type=URL; URL*0=\"ftp://\"; URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"", "url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar")]
    [InlineData("application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A", "title", "This is ***fun***")]
    [InlineData("application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"", "title", "This is even more ***fun*** isn't it!")]
    [InlineData("application/x-stuff; name*1=\"b\"; name*0=\"a\"; name*2=c", "name", "abc")]
    [InlineData("application/x-stuff; name*=iso-8859-1''caf%E9", "name", "café")]
    [InlineData("application/x-stuff; name*=x-unknown''caf%C3%A9", "name", "café")]
    [InlineData("application/x-stuff; name*=utf-8''100%", "name", "100%")]
    [InlineData("application/x-stuff; name=plain; name*=utf-8''ext%C3%A9nded", "name", "exténded")]
    public void Parameters_are_read_leniently(string value, string name, string expected)
    {
        ContentType.Parse(value)!.Parameters[name].ShouldBe(expected);
    }

    [Fact]
    public void Rfc2231_language_and_charset_are_reported()
    {
        var parameter = ContentType.Parse("application/x-stuff; title*=us-ascii'en-us'This%20is")!.Parameters.Find("TITLE")!;

        parameter.Charset.ShouldBe("us-ascii");
        parameter.Language.ShouldBe("en-us");
        parameter.Value.ShouldBe("This is");
    }

    [Fact]
    public void Raw_8bit_parameter_values_decode_as_utf8_or_latin1()
    {
        ContentType.Parse("application/pdf; name=\"Größe.pdf\""u8)!.Name.ShouldBe("Größe.pdf");
        ContentType.Parse(Encoding.Latin1.GetBytes("application/pdf; name=\"Gr\u00f6\u00dfe.pdf\""))!.Name.ShouldBe("Größe.pdf");
    }

    [Fact]
    public void The_boundary_keeps_its_wire_bytes()
    {
        var raw = Encoding.Latin1.GetBytes("multipart/mixed; boundary=\"=_\u00e9x\"");

        var type = ContentType.Parse(raw)!;

        type.BoundaryBytes.ShouldBe(new byte[] { (byte)'=', (byte)'_', 0xE9, (byte)'x' });
        type.Boundary.ShouldBe("=_éx");
    }

    [Theory]
    [InlineData("text", "text/plain")]
    [InlineData("multipart; boundary=x", "multipart/mixed")]
    [InlineData(" Image / PNG ", "image/png")]
    public void Types_missing_their_subtype_get_the_evident_one(string value, string expected)
    {
        ContentType.Parse(value)!.MimeType.ShouldBe(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("/plain")]
    [InlineData("image")]
    [InlineData("; charset=utf-8")]
    public void Values_naming_no_type_parse_to_null(string value)
    {
        ContentType.Parse(value).ShouldBeNull();
    }

    [Fact]
    public void Defaults_follow_rfc_2045_and_2046()
    {
        ContentType.TextPlainDefault.MimeType.ShouldBe("text/plain");
        ContentType.TextPlainDefault.Charset.ShouldBe("us-ascii");
        ContentType.TextPlainDefault.IsDefault.ShouldBeTrue();
        ContentType.DigestDefault.MimeType.ShouldBe("message/rfc822");
        ContentType.DigestDefault.IsEmbeddedMessage.ShouldBeTrue();
        ContentType.Parse("message/global")!.IsEmbeddedMessage.ShouldBeTrue();
        ContentType.Parse("message/delivery-status")!.IsEmbeddedMessage.ShouldBeFalse();
    }

    [Fact]
    public void Content_disposition_reads_its_type_and_parameters()
    {
        var disposition = ContentDisposition.Parse("Attachment; filename=\"report.pdf\"; size=1234;\r\n\tcreation-date=\"Mon, 03 Mar 2025 16:45:11 GMT\"")!;

        disposition.Disposition.ShouldBe("attachment");
        disposition.IsAttachment.ShouldBeTrue();
        disposition.FileName.ShouldBe("report.pdf");
        disposition.Parameters["size"].ShouldBe("1234");
        disposition.Parameters["creation-date"].ShouldBe("Mon, 03 Mar 2025 16:45:11 GMT");
        ContentDisposition.Parse("; filename=x").ShouldBeNull();
    }

    [Fact]
    public void Parsing_any_value_never_throws()
    {
        var pieces = Gen.Elements("text", "/", "plain", ";", "=", "\"", "\\", "(", ")", "*", "*0", "*1*", "'", "%", "%C3", "name", " ", "\r\n ", "é", "=?", "?=");
        var values = Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(pieces, n)).Select(p => string.Concat(p));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(values.ToArbitrary(), value =>
        {
            var type = ContentType.Parse(value);
            var disposition = ContentDisposition.Parse(value);
            return (type is null || type.MimeType.Length > 1) && (disposition is null || disposition.Disposition.Length > 0);
        }));
    }
}
