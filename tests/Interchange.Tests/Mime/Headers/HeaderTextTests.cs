using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Interchange.Mime.Headers;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Headers;

/// <summary>Unfolding, raw 8-bit header bytes, and RFC 2047 encoded words.</summary>
public sealed class HeaderTextTests
{
    [Theory]
    // RFC 2047 §8, the examples of how whitespace between words is handled.
    [InlineData("(=?ISO-8859-1?Q?a?=)", "(a)")]
    [InlineData("(=?ISO-8859-1?Q?a?= b)", "(a b)")]
    [InlineData("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)")]
    [InlineData("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)")]
    [InlineData("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)")]
    [InlineData("(=?ISO-8859-1?Q?a_b?=)", "(a b)")]
    [InlineData("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)")]
    // B and Q, case, padding, language suffix.
    [InlineData("=?utf-8?B?SGVsbG8gV29ybGQ=?=", "Hello World")]
    [InlineData("=?UTF-8?b?SGVsbG8?=", "Hello")]
    [InlineData("=?utf-8?q?caf=c3=a9?=", "café")]
    [InlineData("=?utf-8*en?Q?hi?=", "hi")]
    [InlineData("=?utf-8?Q??=", "")]
    // A character split across two words in one charset survives.
    [InlineData("=?utf-8?Q?=C3?= =?utf-8?Q?=A9?=", "é")]
    [InlineData("=?utf-8?B?w6k=?= and text", "é and text")]
    // Legacy charsets through the code pages provider.
    [InlineData("=?koi8-r?B?8NLJ18XU?=", "Привет")]
    [InlineData("=?gb2312?B?xOO6ww==?=", "你好")]
    [InlineData("=?shift_jis?B?grGC8YLJgr+CzQ==?=", "こんにちは")]
    [InlineData("=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "日本語")]
    [InlineData("=?ks_c_5601-1987?B?x9Gxub7u?=", "한국어")]
    [InlineData("=?iso-8859-15?q?=A4?=", "€")]
    [InlineData("=?windows-1252?q?=93quoted=94?=", "“quoted”")]
    // Unknown charsets: UTF-8 when valid, else Latin-1.
    [InlineData("=?x-unknown?q?caf=C3=A9?=", "café")]
    [InlineData("=?x-unknown?q?caf=E9?=", "café")]
    // Malformed words stay literal.
    [InlineData("=?utf-8?q?never closed", "=?utf-8?q?never closed")]
    [InlineData("=?utf-8?x?bad?=", "=?utf-8?x?bad?=")]
    [InlineData("=??q?x?=", "=??q?x?=")]
    [InlineData("a =? b ?= c", "a =? b ?= c")]
    [InlineData("=?utf-8?q?bad=ZZescape?=", "bad=ZZescape")]
    // Lenient: words glued to text decode too, as other readers do.
    [InlineData("foo=?utf-8?q?bar?=baz", "foobarbaz")]
    [InlineData("plain text", "plain text")]
    public void Encoded_words_decode(string text, string expected)
    {
        HeaderText.DecodeEncodedWords(HeaderText.Unfold(text)).ShouldBe(expected);
    }

    [Fact]
    public void Unfolding_removes_line_breaks_and_keeps_the_whitespace_after_them()
    {
        HeaderText.Unfold(" a\r\n b\r\n\tc \r\n").ShouldBe("a b\tc");
        HeaderText.Unfold("a\n b").ShouldBe("a b");
    }

    [Fact]
    public void Raw_bytes_decode_as_utf8_when_valid_else_latin1()
    {
        HeaderText.DecodeRaw("Grüße"u8).ShouldBe("Grüße");
        HeaderText.DecodeRaw([0x47, 0x72, 0xFC, 0xDF, 0x65]).ShouldBe("Grüße");
        HeaderText.DecodeRaw("plain"u8).ShouldBe("plain");
    }

    [Fact]
    public void A_header_field_keeps_its_bytes_and_decodes_on_demand()
    {
        var input = Encoding.ASCII.GetBytes("Subject : =?utf-8?q?caf=C3=A9?=\r\n  au lait\r\nX: y\r\n\r\n");

        var field = MimeParser.Parse(input).Root.Headers["subject"]!;

        field.Name.ShouldBe("Subject");
        field.Offset.ShouldBe(0);
        field.Length.ShouldBe(44);
        Encoding.ASCII.GetString(field.Raw.Span).ShouldBe("Subject : =?utf-8?q?caf=C3=A9?=\r\n  au lait\r\n");
        Encoding.ASCII.GetString(field.RawValue.Span).ShouldBe(" =?utf-8?q?caf=C3=A9?=\r\n  au lait\r\n");
        field.Text.ShouldBe("=?utf-8?q?caf=C3=A9?=  au lait");
        field.Value.ShouldBe("café  au lait");
        field.IsTruncated.ShouldBeFalse();
    }

    [Fact]
    public void Header_lookups_take_the_first_field_and_filter_by_name()
    {
        var input = Encoding.ASCII.GetBytes("Received: one\r\nreceived: two\r\nSubject: s\r\n\r\n");

        var headers = MimeParser.Parse(input).Root.Headers;

        headers.GetText("RECEIVED").ShouldBe("one");
        headers.GetAll("Received").Select(f => f.Text).ShouldBe(["one", "two"]);
        headers.Select(["subject"], exclude: true).Select(f => f.Text).ShouldBe(["one", "two"]);
        headers.Contains("X-Missing").ShouldBeFalse();
        headers.GetValue("X-Missing").ShouldBeNull();
    }

    [Fact]
    public void Decoding_any_text_never_throws_and_leaves_text_without_words_alone()
    {
        var pieces = Gen.Elements("=?", "?=", "?", "=", "utf-8", "q", "B", "x", " ", "\t", "=C3", "_", "é", "SGVs", "*", "\r\n ");
        var texts = Gen.Choose(0, 30).SelectMany(n => Gen.ArrayOf(pieces, n)).Select(p => string.Concat(p));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(texts.ToArbitrary(), text =>
        {
            var decoded = HeaderText.DecodeEncodedWords(text);
            return text.Contains("=?", StringComparison.Ordinal) || decoded == text;
        }));
    }
}
