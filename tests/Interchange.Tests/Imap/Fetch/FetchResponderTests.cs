using System.Buffers;
using System.Text;
using Interchange.Imap.Fetch;
using Interchange.Imap.Protocol;
using Shouldly;
using static Interchange.Tests.Imap.Fetch.FetchTestSupport;

namespace Interchange.Tests.Imap.Fetch;

public sealed class FetchResponderTests
{
    private const string Prefix = "Received: from a.test by b.test\r\n";

    private const string Blob = """
        From: Alice <alice@example.com>
        To: Bob <bob@example.com>
        Subject: Hello
        X-Long: one
         two
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="b1"

        preamble
        --b1
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        Caf=C3=A9 text
        --b1
        Content-Type: application/octet-stream
        Content-Transfer-Encoding: base64

        AAECAwQ=
        --b1
        Content-Type: message/rfc822

        Subject: Inner
        From: c@d.test

        inner body
        --b1
        Content-Type: application/x-thing
        Content-Transfer-Encoding: x-uuencode

        begin
        --b1--
        """;

    private static readonly DateTimeOffset Date = new(1996, 7, 7, 2, 44, 25, TimeSpan.FromHours(-7));

    private static FetchableMessage Message(string[]? flags = null, ulong modSeq = 42) =>
        FetchableMessage.FromBytes(3, 1001, flags ?? ["\\Seen", "$Label"], Date, modSeq, Encoding.ASCII.GetBytes(Prefix), Crlf(Blob));

    private static string Full => Prefix + Blob.ReplaceLineEndings("\r\n");

    private static string Literal(string text) => "{" + Encoding.UTF8.GetByteCount(text) + "}\r\n" + text;

    [Fact]
    public void Metadata()
    {
        var message = Message();
        Respond("(FLAGS UID INTERNALDATE RFC822.SIZE MODSEQ)", message).ShouldBe(
            $"* 3 FETCH (FLAGS (\\Seen $Label) UID 1001 INTERNALDATE \"07-Jul-1996 02:44:25 -0700\" RFC822.SIZE {message.Size} MODSEQ (42))\r\n");
        message.Size.ShouldBe(Encoding.UTF8.GetByteCount(Full));
    }

    [Fact]
    public void InternalDate_PositiveAndUtcZones()
    {
        FetchResponder.FormatInternalDate(new DateTimeOffset(2024, 12, 25, 23, 5, 9, TimeSpan.FromMinutes(330))).ShouldBe("25-Dec-2024 23:05:09 +0530");
        FetchResponder.FormatInternalDate(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero)).ShouldBe("02-Jan-2024 03:04:05 +0000");
    }

    [Fact]
    public void UidFetch_AddsUid_FirstAndOnce()
    {
        Respond("FLAGS", Message(), uid: true).ShouldBe("* 3 FETCH (UID 1001 FLAGS (\\Seen $Label))\r\n");
        Respond("(UID FLAGS UID)", Message(), uid: true).ShouldBe("* 3 FETCH (UID 1001 FLAGS (\\Seen $Label))\r\n");
    }

    [Fact]
    public void FlagsChanged_AddsFlags_ChangedSince_AddsModSeq()
    {
        Respond("BODY[1]", Message(), flagsChanged: true).ShouldEndWith(" FLAGS (\\Seen $Label))\r\n");
        Respond("UID (CHANGEDSINCE 5)", Message()).ShouldBe("* 3 FETCH (UID 1001 MODSEQ (42))\r\n");
    }

    [Fact]
    public void Macros()
    {
        var all = Respond("ALL", Message());
        all.ShouldStartWith($"* 3 FETCH (FLAGS (\\Seen $Label) INTERNALDATE \"07-Jul-1996 02:44:25 -0700\" RFC822.SIZE {Message().Size} ENVELOPE (NIL \"Hello\" ((\"Alice\" NIL \"alice\" \"example.com\"))");
        Respond("FAST", Message()).ShouldBe($"* 3 FETCH (FLAGS (\\Seen $Label) INTERNALDATE \"07-Jul-1996 02:44:25 -0700\" RFC822.SIZE {Message().Size})\r\n");
        var full = Respond("FULL", Message());
        full.ShouldContain(" BODY ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" ");
        full.ShouldEndWith(" \"MIXED\"))\r\n");
    }

    [Fact]
    public void BodyStructure_IsExtensible()
    {
        Respond("BODYSTRUCTURE", Message()).ShouldEndWith(" \"MIXED\" (\"BOUNDARY\" \"b1\") NIL NIL NIL))\r\n");
    }

    [Fact]
    public void WholeMessage_StartsWithThePrefix()
    {
        Respond("BODY[]", Message()).ShouldBe("* 3 FETCH (BODY[] " + Literal(Full) + ")\r\n");
        Respond("RFC822", Message()).ShouldBe("* 3 FETCH (RFC822 " + Literal(Full) + ")\r\n");
        Respond("BODY.PEEK[]<0.10>", Message()).ShouldBe("* 3 FETCH (BODY[]<0> {10}\r\nReceived: )\r\n");

        // A slice across the prefix and the blob.
        Respond("BODY.PEEK[]<25.14>", Message()).ShouldBe("* 3 FETCH (BODY[]<25> {14}\r\nb.test\r\nFrom: )\r\n");
    }

    [Fact]
    public void Header_AndText()
    {
        var header = Full[..(Full.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];
        var text = Full[header.Length..];
        Respond("BODY.PEEK[HEADER]", Message()).ShouldBe("* 3 FETCH (BODY[HEADER] " + Literal(header) + ")\r\n");
        Respond("RFC822.HEADER", Message()).ShouldBe("* 3 FETCH (RFC822.HEADER " + Literal(header) + ")\r\n");
        Respond("BODY[TEXT]", Message()).ShouldBe("* 3 FETCH (BODY[TEXT] " + Literal(text) + ")\r\n");
        Respond("RFC822.TEXT", Message()).ShouldBe("* 3 FETCH (RFC822.TEXT " + Literal(text) + ")\r\n");
        header.ShouldStartWith(Prefix);
    }

    [Fact]
    public void HeaderFields_OriginalBytesInMessageOrder_CaseInsensitive()
    {
        Respond("BODY.PEEK[HEADER.FIELDS (subject FROM x-long received)]", Message()).ShouldBe(
            "* 3 FETCH (BODY[HEADER.FIELDS (subject FROM x-long received)] " +
            Literal(Prefix + "From: Alice <alice@example.com>\r\nSubject: Hello\r\nX-Long: one\r\n two\r\n\r\n") + ")\r\n");
        Respond("BODY.PEEK[HEADER.FIELDS (X-Missing)]", Message()).ShouldBe("* 3 FETCH (BODY[HEADER.FIELDS (X-Missing)] {2}\r\n\r\n)\r\n");
    }

    [Fact]
    public void HeaderFieldsNot_IsTheComplement()
    {
        Respond("BODY.PEEK[HEADER.FIELDS.NOT (Received To MIME-Version Content-Type X-LONG)]", Message()).ShouldBe(
            "* 3 FETCH (BODY[HEADER.FIELDS.NOT (Received To MIME-Version Content-Type X-LONG)] " +
            Literal("From: Alice <alice@example.com>\r\nSubject: Hello\r\n\r\n") + ")\r\n");
    }

    [Fact]
    public void HeaderFields_WithPartial()
    {
        Respond("BODY.PEEK[HEADER.FIELDS (Subject)]<9.100>", Message()).ShouldBe("* 3 FETCH (BODY[HEADER.FIELDS (Subject)]<9> {9}\r\nHello\r\n\r\n)\r\n");
    }

    [Fact]
    public void Parts_Mime_AndEmbeddedMessage()
    {
        Respond("BODY[1]", Message()).ShouldBe("* 3 FETCH (BODY[1] " + Literal("Caf=C3=A9 text") + ")\r\n");
        Respond("BODY[1.MIME]", Message()).ShouldBe("* 3 FETCH (BODY[1.MIME] " + Literal("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n") + ")\r\n");
        Respond("BODY[3.HEADER]", Message()).ShouldBe("* 3 FETCH (BODY[3.HEADER] " + Literal("Subject: Inner\r\nFrom: c@d.test\r\n\r\n") + ")\r\n");
        Respond("BODY[3.TEXT]", Message()).ShouldBe("* 3 FETCH (BODY[3.TEXT] " + Literal("inner body") + ")\r\n");
        Respond("BODY[3.HEADER.FIELDS (FROM)]", Message()).ShouldBe("* 3 FETCH (BODY[3.HEADER.FIELDS (FROM)] " + Literal("From: c@d.test\r\n\r\n") + ")\r\n");
        Respond("BODY[3.1]", Message()).ShouldBe("* 3 FETCH (BODY[3.1] " + Literal("inner body") + ")\r\n");
    }

    [Fact]
    public void NonexistentSection_IsNil()
    {
        Respond("(BODY[9] BODY[1.2] BODY[1.HEADER] BINARY[7] BINARY.SIZE[7])", Message())
            .ShouldBe("* 3 FETCH (BODY[9] NIL BODY[1.2] NIL BODY[1.HEADER] NIL BINARY[7] NIL BINARY.SIZE[7] NIL)\r\n");
    }

    [Theory]
    [InlineData("<0.4>", "<0> {4}\r\nCaf=")]
    [InlineData("<10.4>", "<10> {4}\r\ntext")]
    [InlineData("<10.400>", "<10> {4}\r\ntext")]
    [InlineData("<13.1>", "<13> {1}\r\nt")]
    [InlineData("<14.1>", "<14> {0}\r\n")]
    [InlineData("<4000000000.1>", "<4000000000> {0}\r\n")]
    public void Partials_AtTheBoundaries(string partial, string expected)
    {
        Respond("BODY.PEEK[1]" + partial, Message()).ShouldBe("* 3 FETCH (BODY[1]" + expected + ")\r\n");
    }

    [Fact]
    public void Binary_DecodesBase64_AsLiteral8()
    {
        Respond("BINARY.PEEK[2]", Message()).ShouldBe("* 3 FETCH (BINARY[2] ~{5}\r\n\0\u0001\u0002\u0003\u0004)\r\n");
        Respond("BINARY.SIZE[2]", Message()).ShouldBe("* 3 FETCH (BINARY.SIZE[2] 5)\r\n");
        Respond("BINARY[2]<1.2>", Message()).ShouldBe("* 3 FETCH (BINARY[2] {2}\r\n\u0001\u0002)\r\n");
    }

    [Fact]
    public void Binary_DecodesQuotedPrintable()
    {
        Respond("(BINARY[1] BINARY.SIZE[1])", Message()).ShouldBe("* 3 FETCH (BINARY[1] {10}\r\nCaf\u00c3\u00a9 text BINARY.SIZE[1] 10)\r\n");
    }

    [Fact]
    public void Binary_UnknownEncoding_IsRefusedBeforeWriting()
    {
        var output = new ArrayBufferWriter<byte>();
        FetchResponder.TryWrite(new ImapResponseWriter(output), Request("(FLAGS BINARY[4])"), Message(), false, false, out var code, out var error).ShouldBeFalse();
        code!.Name.ShouldBe("UNKNOWN-CTE");
        error.ShouldContain("x-uuencode");
        output.WrittenCount.ShouldBe(0);
    }

    [Fact]
    public void SinglePartMessage_PartOneIsTheBody()
    {
        var message = FetchableMessage.FromBytes(1, 1, [], Date, 1, [], Crlf("""
            Subject: x
            Content-Transfer-Encoding: base64

            aGVsbG8=
            """));
        Respond("(BODY[1] BINARY[1] BODY[TEXT])", message).ShouldBe("* 1 FETCH (BODY[1] {8}\r\naGVsbG8= BINARY[1] {5}\r\nhello BODY[TEXT] {8}\r\naGVsbG8=)\r\n");
    }

    [Fact]
    public void Structure_IsParsedOnlyWhenNeeded()
    {
        var parses = 0;
        var blob = Crlf(Blob);
        var message = new FetchableMessage(1, 1, [], Date, 1, new Interchange.Storage.Content.BytesContent(blob), _ =>
        {
            parses++;
            return Interchange.Mime.Parsing.MimeParser.Parse(blob);
        });
        Respond("(FLAGS BODY.PEEK[] RFC822.SIZE)", message);
        parses.ShouldBe(0);
        Respond("(ENVELOPE BODY[1] BODYSTRUCTURE)", message);
        parses.ShouldBe(1);
    }

    [Fact]
    public void CorpusMessage_Rfc3501Example()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Mime", "Corpus", "rfc3501-example.eml"));
        var message = FetchableMessage.FromBytes(1, 1, [], Date, 1, [], bytes);
        var response = Respond("(BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY[])", message);
        response.ShouldContain("BODY[HEADER.FIELDS (SUBJECT)] {");
        response.ShouldContain("BODY[] {" + bytes.Length + "}\r\n");
    }
}
