using Interchange.Imap.Fetch;
using Interchange.Mime.Imap;
using Shouldly;
using static Interchange.Tests.Imap.Fetch.FetchTestSupport;

namespace Interchange.Tests.Imap.Fetch;

public sealed class FetchRequestTests
{
    [Theory]
    [InlineData("ALL", "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE")]
    [InlineData("fast", "FLAGS INTERNALDATE RFC822.SIZE")]
    [InlineData("FULL", "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY")]
    [InlineData("flags", "FLAGS")]
    [InlineData("(UID RFC822.SIZE rfc822 RFC822.HEADER RFC822.TEXT ENVELOPE BODY BODYSTRUCTURE MODSEQ INTERNALDATE)", "UID RFC822.SIZE RFC822 RFC822.HEADER RFC822.TEXT ENVELOPE BODY BODYSTRUCTURE MODSEQ INTERNALDATE")]
    [InlineData("BODY[]", "BODY[]")]
    [InlineData("body.peek[header]", "BODY[HEADER]")]
    [InlineData("BODY.PEEK[HEADER.FIELDS (From To)]<0.100>", "BODY[HEADER.FIELDS (From To)]<0.100>")]
    [InlineData("BODY[header.fields.not (X-A \"X-B\")]", "BODY[HEADER.FIELDS.NOT (X-A X-B)]")]
    [InlineData("(BODY[1.2.3] BODY[1.MIME] BODY[2.text] BODY[3.HEADER] BODY[TEXT]<5.1>)", "BODY[1.2.3] BODY[1.MIME] BODY[2.TEXT] BODY[3.HEADER] BODY[TEXT]<5.1>")]
    [InlineData("(BINARY[1] BINARY.PEEK[1.2]<0.10> BINARY.SIZE[2] BINARY[])", "BINARY[1] BINARY[1.2]<0.10> BINARY.SIZE[2] BINARY[]")]
    public void Parses(string items, string expected)
    {
        string.Join(' ', Request(items).Items).ShouldBe(expected);
    }

    [Fact]
    public void Sections_AreParsedIntoParts()
    {
        var item = Request("BODY.PEEK[4.2.HEADER.FIELDS (Subject)]<7.9>").Items.Single();
        item.Kind.ShouldBe(FetchItemKind.BodySection);
        item.Part.ShouldBe([4, 2]);
        item.SectionText.ShouldBe(SectionKind.HeaderFields);
        item.FieldNames.ShouldBe(["Subject"]);
        item.Peek.ShouldBeTrue();
        item.PartialOrigin.ShouldBe(7u);
        item.PartialCount.ShouldBe(9u);
        item.SectionPath.ShouldBe("4.2.HEADER.FIELDS");
    }

    [Theory]
    [InlineData("BODY[]", true)]
    [InlineData("BODY.PEEK[]", false)]
    [InlineData("RFC822", true)]
    [InlineData("RFC822.TEXT", true)]
    [InlineData("RFC822.HEADER", false)]
    [InlineData("BINARY[1]", true)]
    [InlineData("BINARY.PEEK[1]", false)]
    [InlineData("BINARY.SIZE[1]", false)]
    [InlineData("ALL", false)]
    [InlineData("(FLAGS BODY[TEXT])", true)]
    public void SetsSeen(string items, bool expected) => Request(items).SetsSeen.ShouldBe(expected);

    [Fact]
    public void NeedsStructure_OnlyWhenAnItemDoes()
    {
        Request("(FLAGS UID BODY[] RFC822 RFC822.SIZE)").NeedsStructure.ShouldBeFalse();
        Request("(FLAGS BODY[1])").NeedsStructure.ShouldBeTrue();
        Request("ALL").NeedsStructure.ShouldBeTrue();
        Request("FAST").NeedsContent.ShouldBeFalse();
        Request("RFC822.HEADER").NeedsContent.ShouldBeTrue();
    }

    [Fact]
    public void ChangedSince_Modifier()
    {
        var request = Request("(FLAGS) (CHANGEDSINCE 12345)");
        request.ChangedSince.ShouldBe(12345ul);
        request.IncludesModSeq.ShouldBeTrue();
        request.Selects(12345).ShouldBeFalse();
        request.Selects(12346).ShouldBeTrue();
        Request("FLAGS").Selects(1).ShouldBeTrue();
        Request("FLAGS (changedsince 0)").ChangedSince.ShouldBe(0ul);
    }

    [Theory]
    [InlineData("")]
    [InlineData("()")]
    [InlineData("FOO")]
    [InlineData("(FLAGS ALL)")]
    [InlineData("(FLAGS FAST)")]
    [InlineData("\"FLAGS\"")]
    [InlineData("BODY[0]")]
    [InlineData("BODY[01]")]
    [InlineData("BODY[1.]")]
    [InlineData("BODY[.1]")]
    [InlineData("BODY[MIME]")]
    [InlineData("BODY[HEADERS]")]
    [InlineData("BODY[HEADER.FIELDS]")]
    [InlineData("BODY[HEADER.FIELDS ()]")]
    [InlineData("BODY[HEADER.FIELDS (A:B)]")]
    [InlineData("BODY[HEADER.FIELDS (A  B)]")]
    [InlineData("BODY[HEADER.FIELDS From]")]
    [InlineData("BODY[]<0>")]
    [InlineData("BODY[]<0.0>")]
    [InlineData("BODY[]<a.1>")]
    [InlineData("BODY[]<1.5")]
    [InlineData("BODY[]<99999999999.1>")]
    [InlineData("BODY[]x")]
    [InlineData("BODY.PEK[]")]
    [InlineData("BINARY[HEADER]")]
    [InlineData("BINARY[1.TEXT]")]
    [InlineData("BINARY.SIZE[1]<0.5>")]
    [InlineData("FLAGS FLAGS")]
    [InlineData("FLAGS (CHANGEDSINCE)")]
    [InlineData("FLAGS (CHANGEDSINCE x)")]
    [InlineData("FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)")]
    [InlineData("FLAGS (VANISHED)")]
    [InlineData("FLAGS (CHANGEDSINCE 1) (X)")]
    public void Refuses(string items)
    {
        var arguments = items.Length == 0 ? [] : FetchArguments(items);
        FetchRequest.TryParse(arguments, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNullOrEmpty();
    }
}
