using System.Text;
using Interchange.Imap.Protocol;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Imap;

public sealed class ImapFetchFormatterTests
{
    private static MessageStructure Parse(string message) => MimeParser.Parse(Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n")));

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    [Fact]
    public void Envelope_Rfc3501Example()
    {
        // RFC 3501 §8's FETCH example (addresses adjoin, as the grammar's 1*address has no SP).
        var message = Parse("""
            Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)
            From: Terry Gray <gray@cac.washington.edu>
            Subject: IMAP4rev1 WG mtg summary and minutes
            To: imap@cac.washington.edu
            cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>
            Message-Id: <B27397-0100000@cac.washington.edu>
            MIME-Version: 1.0
            Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

            body

            """);
        Text(ImapFetchFormatter.Envelope(message.Envelope)).ShouldBe(
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) " +
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL " +
            "\"<B27397-0100000@cac.washington.edu>\")");
        Text(ImapFetchFormatter.BodyStructure(message, extensible: false)).ShouldBe("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 6 1)");
        Text(ImapFetchFormatter.BodyStructure(message, extensible: true)).ShouldBe("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 6 1 NIL NIL NIL NIL)");
    }

    [Fact]
    public void Envelope_Groups_MissingFields_AndEightBit()
    {
        var message = Parse("""
            From: "Joe Q. Public" <john.q.public@example.com>
            Sender: Mary <mary@x.test>
            To: A Group:Ed Jones <c@a.test>,joe@where.test;
            Cc: Undisclosed recipients:;
            Bcc: localonly
            Subject: café =?utf-8?q?caf=C3=A9?=
            In-Reply-To: <a"b@x>

            """);
        Text(ImapFetchFormatter.Envelope(message.Envelope)).ShouldBe(
            "(NIL {27}\r\ncaf\u00e9 =?utf-8?q?caf=C3=A9?= " +
            "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) ((\"Mary\" NIL \"mary\" \"x.test\")) " +
            "((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) " +
            "((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(NIL NIL \"joe\" \"where.test\")(NIL NIL NIL NIL)) " +
            "((NIL NIL \"Undisclosed recipients\" NIL)(NIL NIL NIL NIL)) " +
            "((NIL NIL \"localonly\" \"\")) \"<a\\\"b@x>\" NIL)");
        Text(ImapFetchFormatter.Envelope(message.Envelope, utf8Accept: true)).ShouldStartWith("(NIL \"caf\u00e9 =?utf-8?q?caf=C3=A9?=\" ");
    }

    private const string Mixed = """
        From: a@example.com
        To: b@example.com
        Subject: test
        Message-ID: <1@example.com>
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="XX"

        --XX
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: quoted-printable

        Hello=20there
        second line
        --XX
        Content-Type: application/pdf; name="report.pdf"
        Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20report.pdf
        Content-Transfer-Encoding: base64
        Content-Language: en, de
        Content-ID: <pdf@x>
        Content-Description: The report

        JVBERi0xLjQK
        --XX
        Content-Type: message/rfc822

        From: c@example.com
        Subject: inner

        Inner body
        --XX--

        """;

    [Fact]
    public void BodyStructure_MultipartWithTextAttachmentAndMessage()
    {
        const string inner = "(NIL \"inner\" ((NIL NIL \"c\" \"example.com\")) ((NIL NIL \"c\" \"example.com\")) ((NIL NIL \"c\" \"example.com\")) NIL NIL NIL NIL NIL)";
        Text(ImapFetchFormatter.BodyStructure(Parse(Mixed), extensible: true)).ShouldBe(
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 26 1 NIL NIL NIL NIL)" +
            "(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") \"<pdf@x>\" \"The report\" \"BASE64\" 12 NIL " +
            "(\"ATTACHMENT\" (\"FILENAME*\" \"utf-8''%E2%82%AC%20report.pdf\")) (\"en\" \"de\") NIL)" +
            "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 49 " + inner + " (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 10 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) " +
            "\"MIXED\" (\"BOUNDARY\" \"XX\") NIL NIL NIL)");

        Text(ImapFetchFormatter.BodyStructure(Parse(Mixed), extensible: false)).ShouldBe(
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 26 1)" +
            "(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") \"<pdf@x>\" \"The report\" \"BASE64\" 12)" +
            "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 49 " + inner + " (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 10 0) 3) \"MIXED\")");
    }

    [Fact]
    public void Rfc2231Filename_IsUtf8_WhenTheClientAcceptsIt() =>
        Text(ImapFetchFormatter.BodyStructure(Parse(Mixed), extensible: true, utf8Accept: true)).ShouldContain("(\"ATTACHMENT\" (\"FILENAME\" \"\u20AC report.pdf\"))");

    [Fact]
    public void BodyStructure_OfOnePart()
    {
        var message = Parse(Mixed);
        var attachment = message.Root.Children[1];
        Text(ImapFetchFormatter.BodyStructure(attachment, extensible: false)).ShouldBe("(\"APPLICATION\" \"PDF\" (\"NAME\" \"report.pdf\") \"<pdf@x>\" \"The report\" \"BASE64\" 12)");
    }

    [Fact]
    public void Multipart_WhoseBoundaryNeverCame_StillHasABody()
    {
        var message = Parse("""
            Content-Type: multipart/alternative; boundary="never"

            just text

            """);
        Text(ImapFetchFormatter.BodyStructure(message, extensible: false))
            .ShouldBe("((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0) \"ALTERNATIVE\")");
    }

    [Fact]
    public void NestedMultipart_AndDispositionWithoutParameters_AndLocation()
    {
        var message = Parse("""
            Content-Type: multipart/related; boundary=outer

            --outer
            Content-Type: multipart/alternative; boundary=inner

            --inner
            Content-Type: text/plain

            a
            --inner
            Content-Type: text/html; charset="iso-8859-1"
            Content-Disposition: inline
            Content-Location: http://example.com/
             a.html

            <p>b</p>
            --inner--
            --outer--

            """);
        Text(ImapFetchFormatter.BodyStructure(message, extensible: true)).ShouldBe(
            "(((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 0 NIL NIL NIL NIL)" +
            "(\"TEXT\" \"HTML\" (\"CHARSET\" \"iso-8859-1\") NIL NIL \"7BIT\" 8 0 NIL (\"INLINE\" NIL) NIL \"http://example.com/a.html\") " +
            "\"ALTERNATIVE\" (\"BOUNDARY\" \"inner\") NIL NIL NIL) \"RELATED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL)");
    }
}
