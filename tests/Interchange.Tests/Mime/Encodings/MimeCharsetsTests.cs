using System.Text;
using Interchange.Mime.Encodings;
using Shouldly;

namespace Interchange.Tests.Mime.Encodings;

/// <summary>Charset names as mail spells them, legacy code pages, and decoding that never throws.</summary>
public sealed class MimeCharsetsTests
{
    [Theory]
    [InlineData("utf-8", 65001)]
    [InlineData("UTF8", 65001)]
    [InlineData("\"utf-8\"", 65001)]
    [InlineData("utf-8*en", 65001)]
    [InlineData("iso-8859-1", 28591)]
    [InlineData("latin1", 28591)]
    [InlineData("windows-1252", 1252)]
    [InlineData("cp1252", 1252)]
    [InlineData("Windows-1251", 1251)]
    [InlineData("koi8-r", 20866)]
    [InlineData("iso-2022-jp", 50220)]
    [InlineData("shift_jis", 932)]
    [InlineData("gb2312", 54936)]
    [InlineData("gbk", 54936)]
    [InlineData("ks_c_5601-1987", 949)]
    [InlineData("big5", 950)]
    [InlineData("ibm850", 850)]
    public void Names_map_to_code_pages(string name, int codePage)
    {
        MimeCharsets.GetEncoding(name)!.CodePage.ShouldBe(codePage);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("us-ascii")]
    [InlineData("x-unknown")]
    [InlineData("utf-99")]
    public void Unknown_and_ascii_names_give_no_encoding_so_the_fallback_applies(string? name)
    {
        MimeCharsets.GetEncoding(name).ShouldBeNull();
    }

    [Fact]
    public void Decoding_falls_back_to_utf8_or_latin1_and_replaces_invalid_sequences()
    {
        MimeCharsets.Decode("café"u8, "us-ascii").ShouldBe("café");
        MimeCharsets.Decode([0x63, 0x61, 0x66, 0xE9], "x-unknown").ShouldBe("café");
        MimeCharsets.Decode([0x63, 0xFF, 0x66], "utf-8").ShouldBe("c\uFFFDf");
        MimeCharsets.Decode([0x93, 0x94], "windows-1252").ShouldBe("“”");
    }

    [Fact]
    public void The_code_pages_provider_is_registered_for_the_process()
    {
        _ = MimeCharsets.GetEncoding("utf-8");

        Encoding.GetEncoding(1252).WebName.ShouldBe("windows-1252");
    }
}
