using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// The IMAP commands and items the other tests do not reach, each driven by Python's imaplib (or
/// its raw send where imaplib has no call): ID, NAMESPACE, SUBSCRIBE/UNSUBSCRIBE and LSUB,
/// LIST-EXTENDED selection and return options (SUBSCRIBED, SPECIAL-USE, CHILDREN, STATUS),
/// EXAMINE, UNSELECT, CHECK, CLOSE, APPEND with a non-synchronising literal (LITERAL+), FETCH of
/// MIME/TEXT partial/BINARY/BINARY.SIZE/HEADER.FIELDS.NOT, SEARCH CHARSET UTF-8 on an encoded
/// subject and a QP body, ESEARCH, STORE .SILENT, STATUS with CONDSTORE's HIGHESTMODSEQ and
/// RFC 9051's DELETED and SIZE, FETCH CHANGEDSINCE, UID EXPUNGE, RENAME INBOX, and an IMAP4rev2
/// and UTF8=ACCEPT session.
/// </summary>
public sealed class ImapCommandCoverageTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    [Fact]
    public async Task EveryRemainingCommand_AnswersAsTheRfcsSay()
    {
        var smtp = fixture.Server.Port("smtp");
        var imaps = fixture.Server.Port("imaps");
        var sent = await ExternalProcess.PythonAsync($$"""
            import smtplib
            msg = ("From: A <a@remote.test>\r\nTo: alice@example.test\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nMIME-Version: 1.0\r\n"
                   "Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe aus K=C3=B6ln\r\n"
                   "--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--XX--\r\n")
            s = smtplib.SMTP("127.0.0.1", {{smtp}}, timeout=20)
            s.sendmail("a@remote.test", ["alice@example.test"], msg.encode()); s.quit()
            """);
        sent.ExitCode.ShouldBe(0, ExternalProcess.Describe(sent));
        await fixture.WaitForInboxAsync("alice@example.test", 1);

        var run = await ExternalProcess.PythonAsync($$"""
            import imaplib, ssl
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            def show(label, r): print(label, r[0], r[1])
            def raw(m, line):
                tag = m._new_tag(); m.send(tag + b" " + line + b"\r\n"); out = []
                while True:
                    got = m.readline(); out.append(got.decode().strip())
                    if got.startswith(tag): return out
            m = imaplib.IMAP4_SSL("127.0.0.1", {{imaps}}, ssl_context=ctx)
            m.login("alice@example.test", "{{MailServerFixture.AlicePassword}}")
            show("ID", m.xatom("ID", '("name" "imaplib")')); print("  ", m.untagged_responses.pop("ID", None))
            show("NAMESPACE", m.namespace())
            m.create("Lists/Old")
            show("UNSUBSCRIBE", m.unsubscribe("Lists/Old"))
            show("LSUB", m.lsub('""', "Lists*"))
            show("SUBSCRIBE", m.subscribe("Lists/Old"))
            show("LSUB2", m.lsub('""', "Lists/*"))
            show("LISTX", m.list('""', '"*" RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))'))
            print("  ", m.untagged_responses.pop("STATUS", None))
            m._simple_command("LIST", "(SPECIAL-USE)", '""', '"*"'); print("LISTSU", m.untagged_responses.pop("LIST", None))
            m.unsubscribe("Junk")
            m._simple_command("LIST", "(SUBSCRIBED)", '""', '"*"'); print("LISTSUB", m.untagged_responses.pop("LIST", None))
            show("EXAMINE", m.select("INBOX", readonly=True)); print("  ", "READ-ONLY" in m.untagged_responses)
            show("STORE-RO", m.store("1", "+FLAGS", "(\\Flagged)"))
            show("UNSELECT", m.unselect())
            body = b"Subject: nonsync\r\n\r\nliteral plus\r\n"
            print("APPEND+", raw(m, b"APPEND Lists/Old (\\Seen) {" + str(len(body)).encode() + b"+}\r\n" + body)[-1].split(" ", 1)[1])
            show("ENABLE", m.enable("CONDSTORE"))
            m.select("INBOX")
            show("FETCH", m.fetch("1", "(BODY.PEEK[1.MIME] BODY.PEEK[TEXT]<0.12> BINARY.PEEK[1] BINARY.SIZE[2] BODY.PEEK[HEADER.FIELDS.NOT (Received Return-Path Delivered-To To From MIME-Version Content-Type)])"))
            show("SEARCHU8", m.search("UTF-8", "SUBJECT", '"Grüße"'.encode()))
            show("SEARCHBODY", m.search("UTF-8", "BODY", '"Köln"'.encode()))
            show("SEARCHNONE", m.search("UTF-8", "BODY", '"München"'.encode()))
            m.uid("SEARCH", "RETURN (MIN MAX COUNT ALL)", "ALL"); print("ESEARCH", m.untagged_responses.pop("ESEARCH", None))
            show("SILENT", m.store("1", "+FLAGS.SILENT", "(\\Answered)"))
            show("FLAGS", m.fetch("1", "(FLAGS)"))
            show("CHECK", m.check())
            print("ENABLE-SELECTED", raw(m, b"ENABLE CONDSTORE")[-1].split(" ", 1)[1])
            show("STATUS", m.status("INBOX", "(HIGHESTMODSEQ MESSAGES UIDNEXT UNSEEN DELETED SIZE)"))
            show("CHANGEDSINCE", m.uid("FETCH", "1:*", "(FLAGS) (CHANGEDSINCE 1)"))
            show("COPY", m.copy("1", "Lists/Old"))
            show("SELECTOLD", m.select("Lists/Old"))
            m.store("1:*", "+FLAGS.SILENT", "(\\Deleted)")
            m.untagged_responses.clear()
            first = m.fetch("1", "(UID)")[1][0].decode().split("UID ")[1].rstrip(")")
            show("UIDEXPUNGE", m.uid("EXPUNGE", first)); print("  ", m.untagged_responses.pop("EXPUNGE", None))
            show("CLOSE", m.close())
            show("SELECTOLD2", m.select("Lists/Old"))
            m.unselect()
            show("RENAMEINBOX", m.rename("INBOX", "Saved"))
            show("INBOXNOW", m.select("INBOX")); show("SAVED", m.select("Saved"))
            m.logout()

            m = imaplib.IMAP4_SSL("127.0.0.1", {{imaps}}, ssl_context=ctx)
            m.login("alice@example.test", "{{MailServerFixture.AlicePassword}}")
            m.enable("IMAP4rev2"); print("REV2", m.untagged_responses.pop("ENABLED", None))
            m.enable("UTF8=ACCEPT")
            m.untagged_responses.clear()
            show("SELECT2", m.select("Saved")); print("  ", m.untagged_responses.get("RECENT"), m.untagged_responses.get("LIST"))
            m.unselect()
            print("CREATEU8", raw(m, 'CREATE "Bücher"'.encode())[-1].split(" ", 1)[1])
            print("LISTU8", raw(m, b'LIST "" "B*"'))
            m.logout()
            """);
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run));
        var lines = run.Stdout.ReplaceLineEndings("\n").Split('\n');
        string Line(string label) => lines.Single(l => l.StartsWith(label + " ", StringComparison.Ordinal));
        string After(string label) => lines[Array.FindIndex(lines, l => l.StartsWith(label + " ", StringComparison.Ordinal)) + 1].Trim();

        Line("ID").ShouldBe("ID OK [b'ID completed']");
        After("ID").ShouldBe("[b'(\"name\" \"Interchange\")']", "RFC 2971: the server answers with its own ID");
        Line("NAMESPACE").ShouldBe("NAMESPACE OK [b'((\"\" \"/\")) NIL NIL']", "personal namespace only, '/' separator");
        Line("LSUB").ShouldBe("LSUB OK [b'(\\\\HasChildren) \"/\" Lists']", "an unsubscribed child leaves its subscribed parent listed");
        Line("LSUB2").ShouldBe("LSUB2 OK [b'(\\\\HasNoChildren) \"/\" Lists/Old']");
        Line("LISTX").ShouldContain("b'(\\\\HasNoChildren \\\\Sent) \"/\" Sent'");
        Line("LISTX").ShouldContain("b'(\\\\HasChildren) \"/\" Lists'");
        After("LISTX").ShouldContain("b'INBOX (MESSAGES 1 UNSEEN 1)'", customMessage: "LIST-STATUS (RFC 5819) returns STATUS per mailbox");
        Line("LISTSU").ShouldNotContain("INBOX", customMessage: "(SPECIAL-USE) selects only special-use mailboxes (RFC 6154)");
        Line("LISTSU").ShouldContain("\\\\Trash) \"/\" Trash");
        Line("LISTSUB").ShouldContain("\\\\Subscribed");
        Line("LISTSUB").ShouldNotContain("Junk", customMessage: "(SUBSCRIBED) leaves out the unsubscribed Junk (RFC 5258)");
        Line("EXAMINE").ShouldBe("EXAMINE OK [b'1']");
        After("EXAMINE").ShouldBe("True");
        Line("STORE-RO").ShouldBe("STORE-RO NO [b'[READ-ONLY] The mailbox is read-only']");
        Line("UNSELECT").ShouldBe("UNSELECT OK [b'UNSELECT completed']");
        Line("APPEND+").ShouldMatch(@"^APPEND\+ OK \[APPENDUID \d+ 1\] APPEND completed$");
        Line("FETCH").ShouldContain("b'Content-Type: text/plain; charset=utf-8\\r\\nContent-Transfer-Encoding: quoted-printable\\r\\n\\r\\n'", customMessage: "BODY[1.MIME]");
        Line("FETCH").ShouldContain("(b' BODY[TEXT]<0> {12}', b'--XX\\r\\nConten')", customMessage: "a partial is reported with its origin only");
        Line("FETCH").ShouldContain("(b' BINARY[1] {17}', b'Gr\\xc3\\xbc\\xc3\\x9fe aus K\\xc3\\xb6ln')", customMessage: "BINARY decodes quoted-printable (RFC 3516)");
        Line("FETCH").ShouldContain("BINARY.SIZE[2] 5 ", customMessage: "AAECAwQ= is 5 bytes decoded");
        Line("FETCH").ShouldContain("b'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\\r\\n\\r\\n'", customMessage: "HEADER.FIELDS.NOT keeps only what is not named");
        Line("SEARCHU8").ShouldBe("SEARCHU8 OK [b'1']", "SUBJECT matches the decoded encoded-word");
        Line("SEARCHBODY").ShouldBe("SEARCHBODY OK [b'1']", "BODY matches the decoded quoted-printable text");
        Line("SEARCHNONE").ShouldBe("SEARCHNONE OK [b'']");
        Line("ESEARCH").ShouldMatch(@"^ESEARCH \[b'\(TAG ""[A-Z0-9]+""\) UID MIN 1 MAX 1 COUNT 1 ALL 1'\]$");
        Line("SILENT").ShouldMatch(@"^SILENT OK \[b'1 \(MODSEQ \(\d+\)\)'\]$", ".SILENT with CONDSTORE reports the new MODSEQ only, no FLAGS (RFC 7162 3.1.3)");
        Line("FLAGS").ShouldBe("FLAGS OK [b'1 (FLAGS (\\\\Answered \\\\Recent))']", "PEEK and BINARY.PEEK did not set \\Seen; EXAMINE left \\Recent to this SELECT");
        Line("CHECK").ShouldBe("CHECK OK [b'CHECK completed']");
        Line("ENABLE-SELECTED").ShouldStartWith("ENABLE-SELECTED BAD", customMessage: "ENABLE only before a mailbox is selected (RFC 5161 3.1)");
        Line("STATUS").ShouldMatch(@"^STATUS OK \[b'INBOX \(HIGHESTMODSEQ \d+ MESSAGES 1 UIDNEXT 2 UNSEEN 1 DELETED 0 SIZE \d+\)'\]$");
        Line("CHANGEDSINCE").ShouldMatch(@"^CHANGEDSINCE OK \[b'1 \(UID 1 FLAGS \(\\\\Answered \\\\Recent\) MODSEQ \(\d+\)\)'\]$");
        Line("COPY").ShouldStartWith("COPY OK [b'[COPYUID ");
        Line("SELECTOLD").ShouldBe("SELECTOLD OK [b'2']", "the LITERAL+ append and the copy");
        Line("UIDEXPUNGE").ShouldBe("UIDEXPUNGE OK [None]");
        After("UIDEXPUNGE").ShouldBe("[b'1']", "UID EXPUNGE removed only the named message though both were \\Deleted (RFC 4315)");
        Line("CLOSE").ShouldBe("CLOSE OK [b'CLOSE completed']");
        Line("SELECTOLD2").ShouldBe("SELECTOLD2 OK [b'0']", "CLOSE expunged the other silently");
        Line("RENAMEINBOX").ShouldBe("RENAMEINBOX OK [b'RENAME completed']");
        Line("INBOXNOW").ShouldBe("INBOXNOW OK [b'0']", "renaming INBOX moves its messages and leaves it empty (RFC 3501 6.3.5)");
        Line("SAVED").ShouldBe("SAVED OK [b'1']");
        Line("REV2").ShouldBe("REV2 [b'IMAP4rev2']");
        Line("SELECT2").ShouldBe("SELECT2 OK [b'1']");
        After("SELECT2").ShouldBe("None [b'() \"/\" Saved']", "IMAP4rev2: no RECENT, a LIST response in SELECT (RFC 9051 6.3.2)");
        Line("CREATEU8").ShouldBe("CREATEU8 OK CREATE completed");
        Line("LISTU8").ShouldContain("'* LIST (\\\\HasNoChildren) \"/\" \"Bücher\"'", customMessage: "UTF8=ACCEPT: names in UTF-8, not modified UTF-7");
    }
}
