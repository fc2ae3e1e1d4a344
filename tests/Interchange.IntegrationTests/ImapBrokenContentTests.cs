using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// A message's content never ends an IMAP session (issue 8 item 1): messages naming UTF-7 (which
/// .NET refuses) in a Subject, a body charset and a filename are delivered through SMTP by
/// Python's smtplib, then imaplib fetches every item computed from them, searches their text,
/// and the session goes on.
/// </summary>
public sealed class ImapBrokenContentTests
{
    [Fact]
    public async Task MessagesNamingUtf7_AreFetchedAndSearched_AndTheSessionGoesOn()
    {
        using var data = new ScratchFolder();
        await using var server = await ServerProcess.StartAsync(data.Path, ["smtp", "imap"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "example.test",
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
        });
        (await InterchangeBinary.CliAsync(data.Path, "broken-secret-1\n", ["user", "add", "victim@example.test", "--password-stdin"])).ExitCode.ShouldBe(0);

        var result = await ExternalProcess.PythonAsync($$"""
            import smtplib, imaplib, time
            messages = [
                b"From: a@remote.test\r\nSubject: =?utf-7?Q?a?=\r\n\r\nfirst\r\n",
                b"From: b@remote.test\r\nSubject: =?unicode-1-1-utf-7?B?K0FLTS0x?=\r\nContent-Type: text/plain; charset=csUnicode11UTF7\r\n\r\nHi Mom -+Jjo--!\r\n",
                b"From: c@remote.test\r\nSubject: =?x-unicode-2-0-utf-7?Q?+AKM-?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                b"Content-Type: text/plain; charset=utf-7\r\n\r\n+AKM-1\r\n--b\r\nContent-Type: application/octet-stream; name*=utf-7''+AKM-.bin\r\n"
                b"Content-Disposition: attachment; filename*=utf-7''+AKM-.bin\r\n\r\nxyz\r\n--b--\r\n",
            ]
            s = smtplib.SMTP("127.0.0.1", {{server.Port("smtp")}}, timeout=20)
            for m in messages:
                s.sendmail("x@remote.test", ["victim@example.test"], m)
            s.quit()
            m = imaplib.IMAP4("127.0.0.1", {{server.Port("imap")}}, timeout=20)
            m.login("victim@example.test", "broken-secret-1")
            deadline = time.monotonic() + 20
            while int(m.select("INBOX")[1][0]) < len(messages) and time.monotonic() < deadline:
                time.sleep(0.1)
            typ, data = m.fetch("1:*", "(ENVELOPE BODYSTRUCTURE BODY[])")
            print("fetch", typ, sum(1 for d in data if isinstance(d, tuple)))
            print("envelopes", [d[0].split(b" (ENVELOPE ")[1][:40] for d in data if isinstance(d, tuple)])
            # Delivery order is not SMTP order (queue workers run in parallel): find, then check which.
            typ, data = m.search(None, "TEXT", "Mom")
            found = data[0].split()
            print("search", typ, len(found), b"unicode-1-1-utf-7" in m.fetch(found[0], "(ENVELOPE)")[1][0] if found else None)
            typ, data = m.search(None, "SUBJECT", "x")
            print("search2", typ)
            print("noop", m.noop()[0])
            m.logout()
            """);

        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var lines = result.Stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldContain("fetch OK 3", ExternalProcess.Describe(result));
        lines.ShouldContain(l => l.StartsWith("envelopes ", StringComparison.Ordinal) && l.Contains("=?utf-7?Q?a?=", StringComparison.Ordinal), ExternalProcess.Describe(result));
        lines.ShouldContain("search OK 1 True", ExternalProcess.Describe(result));
        lines.ShouldContain("search2 OK", ExternalProcess.Describe(result));
        lines.ShouldContain("noop OK", ExternalProcess.Describe(result));
    }
}
