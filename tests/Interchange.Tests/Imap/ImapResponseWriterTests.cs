using System.Buffers;
using System.Text;
using Interchange.Imap.Protocol;
using Shouldly;

namespace Interchange.Tests.Imap;

public sealed class ImapResponseWriterTests
{
    private static string Write(Action<ImapResponseWriter> write, bool utf8Accept = false)
    {
        var output = new ArrayBufferWriter<byte>();
        write(new ImapResponseWriter(output, utf8Accept));
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Fact]
    public void StatusResponses_WithAndWithoutCodes()
    {
        Write(w => w.Tagged("a1", ImapStatus.Ok, "LOGIN completed")).ShouldBe("a1 OK LOGIN completed\r\n");
        Write(w => w.Tagged("a2", ImapStatus.No, "No such mailbox", ImapResponseCode.TryCreate)).ShouldBe("a2 NO [TRYCREATE] No such mailbox\r\n");
        Write(w => w.Tagged("a3", ImapStatus.Bad, "Literal too big", ImapResponseCode.TooBig)).ShouldBe("a3 BAD [TOOBIG] Literal too big\r\n");
        Write(w => w.UntaggedStatus(ImapStatus.Ok, "Predicted next UID", ImapResponseCode.UidNext(4392))).ShouldBe("* OK [UIDNEXT 4392] Predicted next UID\r\n");
        Write(w => w.UntaggedStatus(ImapStatus.Ok, "UIDs valid", ImapResponseCode.UidValidity(3857529045))).ShouldBe("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n");
        Write(w => w.UntaggedStatus(ImapStatus.Ok, "Highest", ImapResponseCode.HighestModSeq(715194045007))).ShouldBe("* OK [HIGHESTMODSEQ 715194045007] Highest\r\n");
        Write(w => w.UntaggedStatus(ImapStatus.Ok, "Limited", ImapResponseCode.PermanentFlags(["\\Deleted", "\\Seen", "\\*"]))).ShouldBe("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n");
        Write(w => w.Tagged("A003", ImapStatus.Ok, "APPEND completed", ImapResponseCode.AppendUid(38505, 3955))).ShouldBe("A003 OK [APPENDUID 38505 3955] APPEND completed\r\n");
        Write(w => w.Tagged("A004", ImapStatus.Ok, "Done", ImapResponseCode.CopyUid(38505, SequenceSet.Parse("304,319:320"), SequenceSet.Parse("3956:3958")))).ShouldBe("A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n");
        Write(w => w.UntaggedStatus(ImapStatus.Ok, "ready", ImapResponseCode.Capability(["IMAP4rev1", "IMAP4rev2", "LITERAL+"]))).ShouldBe("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+] ready\r\n");
        Write(w => w.UntaggedStatus(ImapStatus.No, "Going down", ImapResponseCode.Alert)).ShouldBe("* NO [ALERT] Going down\r\n");
        Write(w => w.Tagged("a", ImapStatus.No, "Try later", ImapResponseCode.Unavailable)).ShouldBe("a NO [UNAVAILABLE] Try later\r\n");
        Write(w => w.UntaggedStatus(ImapStatus.Bye, "Logging out")).ShouldBe("* BYE Logging out\r\n");
        Write(w => w.UntaggedStatus(ImapStatus.PreAuth, "Welcome")).ShouldBe("* PREAUTH Welcome\r\n");
    }

    [Fact]
    public void ResponseText_CannotEndTheLineEarly() =>
        Write(w => w.Tagged("a", ImapStatus.No, "evil\r\n* OK injected")).ShouldBe("a NO evil  * OK injected\r\n");

    [Fact]
    public void Continuation() => Write(w => w.Continuation()).ShouldBe("+ Ready\r\n");

    [Fact]
    public void UntaggedData_IsSpacedAutomatically()
    {
        Write(w =>
        {
            w.Untagged().Number(12).Atom("FETCH").BeginList().Atom("FLAGS").AtomList(["\\Seen", "$Label1"]).Atom("UID").Number(4827313).Atom("X").BeginList().EndList().EndList().EndLine();
        }).ShouldBe("* 12 FETCH (FLAGS (\\Seen $Label1) UID 4827313 X ())\r\n");
        Write(w => w.Untagged().Number(172).Atom("EXISTS").EndLine()).ShouldBe("* 172 EXISTS\r\n");
        Write(w => w.Untagged().Atom("SEARCH").Number(2).Number(84).Number(882).EndLine()).ShouldBe("* SEARCH 2 84 882\r\n");
        Write(w => w.Untagged().Atom("LIST").AtomList(["\\HasNoChildren"]).String("/").AString("INBOX").EndLine()).ShouldBe("* LIST (\\HasNoChildren) \"/\" INBOX\r\n");
    }

    [Theory]
    [InlineData("INBOX", false, "INBOX")]
    [InlineData("Sent]", false, "Sent]")]
    [InlineData("", false, "\"\"")]
    [InlineData("NIL", false, "\"NIL\"")]                                // an atom NIL would read as nil
    [InlineData("nil", false, "\"nil\"")]
    [InlineData("two words", false, "\"two words\"")]
    [InlineData("a*b", false, "\"a*b\"")]
    [InlineData("say \"hi\" \\o/", false, "\"say \\\"hi\\\" \\\\o/\"")]
    [InlineData("line\r\nbreak", false, "{11}\r\nline\r\nbreak")]
    [InlineData("nul\0", false, "{4}\r\nnul\0")]
    [InlineData("caf\u00E9", false, "{5}\r\ncaf\u00E9")]                  // 8-bit without UTF8=ACCEPT: literal
    [InlineData("caf\u00E9", true, "\"caf\u00E9\"")]                     // with it: quoted UTF-8
    [InlineData("\U0001F600", true, "\"\U0001F600\"")]
    public void AString_TakesTheCheapestForm(string value, bool utf8Accept, string expected) =>
        Write(w => w.AString(value), utf8Accept).ShouldBe(expected);

    [Fact]
    public void NString_And_Numbers()
    {
        Write(w => w.BeginList().NString(null).NString("x").NString(string.Empty).Number(0).Number(ulong.MaxValue).EndList())
            .ShouldBe("(NIL \"x\" \"\" 0 18446744073709551615)");
    }

    [Fact]
    public void Bytes_AreQuotedOrLiteral_AndLiteral8OnlyForBinary()
    {
        Write(w => w.String("plain"u8)).ShouldBe("\"plain\"");
        Write(w => w.String("a\r\nb"u8)).ShouldBe("{4}\r\na\r\nb");
        Write(w => w.String([0x61, 0x00, 0x62])).ShouldBe("{3}\r\na\0b");
        Write(w => w.String([0x61, 0x00, 0x62], binary: true)).ShouldBe("~{3}\r\na\0b");
        Write(w => w.String([0xC3, 0xA9], binary: true), utf8Accept: true).ShouldBe("\"\u00E9\"");
        Write(w => w.String([0xFF]), utf8Accept: true).ShouldBe("{1}\r\n\uFFFD");   // not UTF-8: a literal, whatever was enabled
        Write(w => w.Literal(new ReadOnlySequence<byte>("body"u8.ToArray()))).ShouldBe("{4}\r\nbody");
    }

    [Fact]
    public void ValuesAfterALiteral_AreSpaced() =>
        Write(w => w.Untagged().Number(1).Atom("FETCH").BeginList().Raw("BODY[]").Literal("ab"u8).Atom("UID").Number(7).EndList().EndLine())
            .ShouldBe("* 1 FETCH (BODY[] {2}\r\nab UID 7)\r\n");
}
