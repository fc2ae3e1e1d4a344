using System.Text;
using Interchange.Mime.Encodings;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Encodings;

/// <summary>UTF-7 (RFC 2152), which .NET refuses, decoded by our own codec, and every name of it accepted by the charset lookup.</summary>
public sealed class Utf7DecoderTests
{
    [Theory]
    // The examples of RFC 2152 ("Examples", p. 3-4).
    [InlineData("A+ImIDkQ.", "A\u2262\u0391.")]
    [InlineData("Hi Mom -+Jjo--!", "Hi Mom -\u263A-!")]
    [InlineData("+ZeVnLIqe-", "\u65E5\u672C\u8A9E")]
    [InlineData("Item 3 is +AKM-1.", "Item 3 is \u00A31.")]
    // "+-" is '+'; a shifted run ended by a direct character keeps it.
    [InlineData("1 +- 1 = 2", "1 + 1 = 2")]
    [InlineData("+AKM 1", "\u00A3 1")]
    // A surrogate pair (U+1F600) in one run.
    [InlineData("+2D3eAA-", "\U0001F600")]
    // Ill-formed input never throws: a lone surrogate, 8-bit bytes, a '+' before junk, a run cut short.
    [InlineData("+2D0-x", "\uFFFDx")]
    [InlineData("+3gA-", "\uFFFD")]
    [InlineData("caf\u00E9", "caf\uFFFD")]
    [InlineData("a+!", "a+!")]
    [InlineData("+AK", "")]
    public void Rfc2152_examples_and_broken_input_decode(string utf7, string expected)
    {
        Utf7Decoder.Decode(Encoding.Latin1.GetBytes(utf7)).ShouldBe(expected);
    }

    [Theory]
    [InlineData("utf-7")]
    [InlineData("UTF-7")]
    [InlineData("utf7")]
    [InlineData("unicode-1-1-utf-7")]
    [InlineData("csUnicode11UTF7")]
    [InlineData("x-unicode-2-0-utf-7")]
    [InlineData("\"utf-7\"")]
    public void Every_name_of_utf7_decodes_through_the_charset_lookup(string name)
    {
        MimeCharsets.Decode("Hi Mom -+Jjo--!"u8, name).ShouldBe("Hi Mom -\u263A-!");
    }

    [Theory]
    [InlineData("utf-7")]
    [InlineData("unicode-1-1-utf-7")]
    [InlineData("csUnicode11UTF7")]
    [InlineData("x-unicode-2-0-utf-7")]
    public void A_subject_and_a_filename_naming_utf7_decode(string name)
    {
        var input = Encoding.ASCII.GetBytes(
            $"Subject: =?{name}?Q?a?= =?{name}?B?K0FLTS0x?=\r\n"
            + $"Content-Type: text/plain; charset={name}\r\n"
            + $"Content-Disposition: attachment; filename*={name}''+AKM-.txt\r\n\r\n+AKM-1\r\n");

        var message = MimeParser.Parse(input);

        message.Envelope.DecodedSubject.ShouldBe("a\u00A31");
        message.Root.ContentDisposition!.Parameters["filename"].ShouldBe("\u00A3.txt");
        MimeCharsets.Decode("+AKM-1"u8, message.Root.ContentType.Charset).ShouldBe("\u00A31");
    }

    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-32BE")]
    [InlineData("x-mac-japanese")]
    [InlineData("ibm99999")]
    [InlineData("cp00000")]
    [InlineData("\u0000")]
    [InlineData("windows-9999999999")]
    public void Charset_lookup_is_total(string name)
    {
        Should.NotThrow(() => MimeCharsets.Decode("abc"u8, name));
    }
}
