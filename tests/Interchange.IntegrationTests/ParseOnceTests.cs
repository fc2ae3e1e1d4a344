using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// Parse once, at accept (issue 9, point 7), end to end: a message smtplib sends is routed and
/// logged by its Message-ID, the store (read by Python's sqlite3) keeps its structure under its
/// content in the current format, and imaplib gets ENVELOPE and BODYSTRUCTURE of the delivered
/// message (trace prefix and blob) right.
/// </summary>
public sealed class ParseOnceTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    private const string Tls = "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE";
    private const string Password = "parse-once-5555";

    [Fact]
    public async Task A_message_is_kept_with_its_structure_and_served_from_it()
    {
        const string User = "parse-once@example.test";
        var messageId = $"<{Guid.NewGuid():N}@remote.test>";
        (await fixture.Cli(Password + "\n", "user", "add", User, "--password-stdin")).ExitCode.ShouldBe(0);

        var result = await ExternalProcess.PythonAsync($$"""
            import imaplib, smtplib, ssl, time
            {{Tls}}
            message = ("From: Sender <sender@remote.test>\r\nTo: <{{User}}>\r\nSubject: parsed once\r\nMessage-ID: {{messageId}}\r\n"
                "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>hello</p>\r\n--b--\r\n")
            s = smtplib.SMTP("127.0.0.1", {{Port("smtp")}}, timeout=20)
            s.sendmail("sender@remote.test", ["{{User}}"], message.encode())
            s.quit()
            m = imaplib.IMAP4_SSL("127.0.0.1", {{Port("imaps")}}, ssl_context=ctx)
            m.login("{{User}}", "{{Password}}")
            deadline = time.monotonic() + 30
            while True:
                typ, data = m.select("INBOX")
                if int(data[0]) >= 1 or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            typ, data = m.fetch("1", "(ENVELOPE BODYSTRUCTURE)")
            print(data[0].decode())
            m.logout()
            """);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        result.Stdout.ShouldContain("(NIL \"parsed once\" ((\"Sender\" NIL \"sender\" \"remote.test\"))", Case.Sensitive);
        result.Stdout.ShouldContain($"\"{messageId}\"");
        // In the server's conventions (upper-case atoms; a body's last line break belongs to the
        // boundary, so "hello" has 0 lines, as Dovecot counts). That these equal a fresh parse of
        // prefix and blob for every corpus message is StoredStructureFetchTests'.
        result.Stdout.ShouldContain("BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 5 0 NIL NIL NIL NIL)(\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 12 0 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b\") NIL NIL NIL)", Case.Sensitive);

        await fixture.Server.WaitForLogAsync(line => line.Contains(messageId, StringComparison.Ordinal) && line.Contains("routed", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var stored = await ExternalProcess.PythonAsync($$"""
            import sqlite3
            db = sqlite3.connect("file:{{Path.Combine(fixture.DataPath, "store.db")}}?mode=ro", uri=True)
            for row in db.execute("SELECT hex(substr(structure, 1, 1)), length(structure), s.blob = m.blob FROM message_structures s, messages m WHERE s.message_id = ? AND s.blob = m.blob", ("{{messageId}}",)):
                print(*row)
            """);
        stored.ExitCode.ShouldBe(0, ExternalProcess.Describe(stored));
        var row = stored.Stdout.Trim().Split(' ');
        row.Length.ShouldBe(3, stored.Stdout);
        (row[0], row[2]).ShouldBe(("01", "1"), "version 1, kept under the delivered content");
        int.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(100, 2000);
    }

    private string Port(string protocol) => fixture.Server.Port(protocol).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
