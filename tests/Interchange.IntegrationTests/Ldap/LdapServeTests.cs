using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests.Ldap;

/// <summary>
/// <c>interchange serve</c> with <c>Directory:Ldap</c> against slapd holding 1,000 users and 20
/// groups: the sync brings them (counted by ldapsearch and by sqlite3 on the store), LDAP users log
/// in over IMAP by bind (Python's imaplib), an alias and a group receive mail (smtplib), a user
/// deleted with ldapdelete loses its open session and its login after the next sync, a password
/// changed with ldappasswd works at once and the old one stops within PasswordCacheTime, and a
/// stopped slapd gives each protocol's temporary failure, not "wrong password".
/// </summary>
public sealed class LdapServeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Users = 1000;
    private const int Groups = 20;
    private const int GroupSize = 10;
    private static readonly TimeSpan PasswordCacheTime = TimeSpan.FromSeconds(3);
    private readonly ScratchFolder _data = new();
    private SlapdServer _slapd = null!;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _slapd = await SlapdServer.StartAsync();
        try
        {
            await StartServerAsync();
        }
        catch
        {
            // xunit does not call DisposeAsync when InitializeAsync fails: slapd must not outlive the test.
            await _slapd.DisposeAsync();
            _data.Dispose();
            throw;
        }
    }

    private async Task StartServerAsync()
    {
        var ldif = SlapdServer.DirectoryLdif(Users, Groups, GroupSize)
            + SlapdServer.UserLdif(5000, "other.test") // not a local domain: skipped and reported
            + $"dn: uid=nomail,ou=people,{SlapdServer.Suffix}\nobjectClass: inetOrgPerson\nuid: nomail\ncn: No Mail\nsn: Mail\nuserPassword: x\n\n";
        var watch = Stopwatch.StartNew();
        var added = await _slapd.AddAsync(ldif);
        added.ExitCode.ShouldBe(0, ExternalProcess.Describe(added));
        output.WriteLine($"ldapadd of {Users + 2} users and {Groups} groups: {watch.ElapsedMilliseconds} ms");

        System.IO.Directory.CreateDirectory(_data.Path);
        var passwordFile = Path.Combine(_data.Path, "ldap-password");
        await File.WriteAllTextAsync(passwordFile, SlapdServer.ServicePassword + "\n");
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "interchange.json"), JsonSerializer.Serialize(new
        {
            Directory = new
            {
                Ldap = new
                {
                    Url = _slapd.Url,
                    BaseDn = SlapdServer.Suffix,
                    BindDn = SlapdServer.ServiceDn,
                    BindPasswordFile = passwordFile,
                    PageSize = 100,
                    SyncInterval = "00:00:02",
                    Timeout = "00:00:03",
                    PasswordCacheTime = PasswordCacheTime.ToString("c", CultureInfo.InvariantCulture),
                },
            },
        }));
        _server = await ServerProcess.StartAsync(_data.Path, ["smtp", "submission", "imap", "pop3"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "example.test",
            ["INTERCHANGE__Transport__PollInterval"] = "00:00:00.500",
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Pop3__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Smtp__AllowPlaintextAuthOnLoopback"] = "true",
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _slapd.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Users_aliases_and_groups_from_slapd_log_in_by_bind_receive_mail_and_follow_changes()
    {
        // 1. The first sync at start brings every user in a local domain, with aliases and groups.
        var synced = await _server.WaitForLogAsync(l => l.Contains("LDAP sync: 1000 users, 1000 aliases, 20 groups", StringComparison.Ordinal), TimeSpan.FromSeconds(90));
        output.WriteLine(synced);
        synced.ShouldContain("2020 created");
        synced.ShouldContain("0 failed");

        var ldapCount = await _slapd.ServiceSearchAsync("(&(objectClass=inetOrgPerson)(mail=*@example.test))", "-E", "pr=100/noprompt");
        ldapCount.Stdout.ShouldContain($"# numEntries: {Users}");
        var counts = await Python($$"""
            import sqlite3, json
            db = sqlite3.connect("file:{{Path.Combine(_data.Path, "store.db")}}?mode=ro", uri=True)
            rows = dict(db.execute("SELECT kind, count(*) FROM addresses WHERE source = 'ldap' GROUP BY kind").fetchall())
            members = db.execute("SELECT count(*) FROM group_members").fetchone()[0]
            print(json.dumps({"user": rows.get("user", 0), "alias": rows.get("alias", 0), "group": rows.get("group", 0), "members": members}))
            """);
        using (var json = JsonDocument.Parse(counts))
        {
            json.RootElement.GetProperty("user").GetInt32().ShouldBe(Users);
            json.RootElement.GetProperty("alias").GetInt32().ShouldBe(Users);
            json.RootElement.GetProperty("group").GetInt32().ShouldBe(Groups);
            json.RootElement.GetProperty("members").GetInt32().ShouldBe(Groups * GroupSize);
        }

        _server.Stderr.ShouldContain(l => l.Contains("other.test is not a local domain", StringComparison.Ordinal));

        // 2. The CLI: ldap test counts what LDAP has (the other domain's user too), a dry-run sync finds nothing to do.
        var test = await InterchangeBinary.CliAsync(_data.Path, null, "ldap", "test");
        test.ExitCode.ShouldBe(0, ExternalProcess.Describe(test));
        test.Stdout.ShouldContain($"users: {Users + 1} (0 disabled)");
        test.Stdout.ShouldContain($"groups: {Groups}");
        test.Stdout.ShouldContain("skipped: uid=nomail,ou=people,dc=example,dc=test: no mail");
        var dry = await InterchangeBinary.CliAsync(_data.Path, null, "ldap", "sync", "--dry-run");
        dry.ExitCode.ShouldBe(0, ExternalProcess.Describe(dry));
        dry.Stdout.ShouldContain("would have created 0, changed 0, removed 0, failed 0");

        // 3. Bind authentication over IMAP (imaplib), and a wrong password.
        (await ImapLogin("u5@example.test", "pw-5")).ShouldBe("OK");
        (await ImapLogin("u5@example.test", "pw-6")).ShouldContain("AUTHENTICATIONFAILED");
        (await ImapLogin("*", "pw-5")).ShouldContain("AUTHENTICATIONFAILED");

        // 4. Mail to an alias (mailAlternateAddress) and to a group reaches the users (smtplib in, imaplib out).
        await Python($$"""
            import smtplib
            with smtplib.SMTP("127.0.0.1", {{_server.Port("smtp")}}, timeout=30) as s:
                s.sendmail("sender@remote.test", ["alt7@example.test"], b"From: sender@remote.test\r\nTo: alt7@example.test\r\nSubject: to the alias\r\n\r\nhello\r\n")
                s.sendmail("sender@remote.test", ["g3@example.test"], b"From: sender@remote.test\r\nTo: g3@example.test\r\nSubject: to the group\r\n\r\nhello all\r\n")
            print("sent")
            """);
        (await WaitForSubject("u7@example.test", "pw-7", "to the alias")).ShouldBeTrue("alt7@example.test is u7's alias");
        (await WaitForSubject("u30@example.test", "pw-30", "to the group")).ShouldBeTrue("u30 is in g3");
        (await WaitForSubject("u39@example.test", "pw-39", "to the group")).ShouldBeTrue("u39 is in g3");

        // 5. A user deleted in LDAP: the open IMAP session ends after the next sync, and so does the login.
        var sync = string.Join(' ', InterchangeBinary.Command("ldap", "sync", "--data", _data.Path).Select(a => $"'{a}'"));
        var revocation = await ExternalProcess.RunAsync("python3",
        [
            Path.Combine(AppContext.BaseDirectory, "Clients", "revocation.py"), "imap-between", _server.Port("imap").ToString(CultureInfo.InvariantCulture), "u9@example.test", "pw-9", "--",
            "sh", "-c", $"ldapdelete -x -H {_slapd.Url} -D {SlapdServer.AdminDn} -w {SlapdServer.AdminPassword} {SlapdServer.UserDn(9)} && dotnet {sync}",
        ], timeout: TimeSpan.FromSeconds(90));
        revocation.ExitCode.ShouldBe(0, ExternalProcess.Describe(revocation));
        using (var json = JsonDocument.Parse(revocation.Stdout))
        {
            var root = json.RootElement;
            output.WriteLine($"u9 deleted: {root}");
            root.GetProperty("command").GetInt32().ShouldBe(0, root.GetProperty("command_output").GetString());
            root.GetProperty("closed").GetBoolean().ShouldBeTrue("the session of a user removed by the sync must end");
            (root.GetProperty("received").GetString() ?? "").ShouldContain("* BYE");
        }

        (await ImapLogin("u9@example.test", "pw-9")).ShouldContain("AUTHENTICATIONFAILED");

        // 6. The periodic sync (every 2 s) brings a user added with ldapadd.
        (await _slapd.AddAsync(SlapdServer.UserLdif(2000))).ExitCode.ShouldBe(0);
        (await Eventually(async () => await ImapLogin("u2000@example.test", "pw-2000") == "OK", TimeSpan.FromSeconds(30))).ShouldBeTrue("the periodic sync brings u2000 within 30 s");

        // 7. ldappasswd: the new password works at once; the old one stops within PasswordCacheTime.
        (await ImapLogin("u11@example.test", "pw-11")).ShouldBe("OK"); // remembered from here
        var changed = await _slapd.SetPasswordAsync(SlapdServer.UserDn(11), "new-11");
        changed.ExitCode.ShouldBe(0, ExternalProcess.Describe(changed));
        var since = Stopwatch.StartNew();
        (await ImapLogin("u11@example.test", "new-11")).ShouldBe("OK");
        (await Eventually(async () => (await ImapLogin("u11@example.test", "pw-11")).Contains("AUTHENTICATIONFAILED", StringComparison.Ordinal), PasswordCacheTime + TimeSpan.FromSeconds(10))).ShouldBeTrue();
        output.WriteLine($"the old password stopped working {since.Elapsed.TotalSeconds:F1} s after ldappasswd (PasswordCacheTime {PasswordCacheTime.TotalSeconds} s)");
        since.Elapsed.ShouldBeLessThan(PasswordCacheTime + TimeSpan.FromSeconds(3));

        // 8. slapd stopped: a login that needs the directory fails temporarily in each protocol's words.
        await _slapd.StopAsync();
        (await ImapLogin("u12@example.test", "pw-12")).ShouldContain("[UNAVAILABLE]");
        var others = await Python($$"""
            import poplib, smtplib, json
            out = {}
            p = poplib.POP3("127.0.0.1", {{_server.Port("pop3")}}, timeout=30)
            p.user("u12@example.test")
            try:
                p.pass_("pw-12"); out["pop3"] = "OK"
            except poplib.error_proto as e:
                out["pop3"] = e.args[0].decode()
            with smtplib.SMTP("127.0.0.1", {{_server.Port("submission")}}, timeout=30) as s:
                s.ehlo("client.test")
                try:
                    s.login("u12@example.test", "pw-12"); out["smtp"] = "OK"
                except smtplib.SMTPAuthenticationError as e:
                    out["smtp"] = f"{e.smtp_code} {e.smtp_error.decode()}"
            print(json.dumps(out))
            """);
        output.WriteLine(others);
        using (var json = JsonDocument.Parse(others))
        {
            json.RootElement.GetProperty("pop3").GetString().ShouldStartWith("-ERR [SYS/TEMP]");
            json.RootElement.GetProperty("smtp").GetString().ShouldStartWith("454 4.7.0");
        }

        // The sync fails too, logged, and changes nothing.
        await _server.WaitForLogAsync(l => l.Contains("LDAP sync failed, nothing changed", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        _server.HasExited.ShouldBeFalse();
    }

    private async Task<string> ImapLogin(string user, string password) => (await Python($$"""
        import imaplib
        m = imaplib.IMAP4("127.0.0.1", {{_server.Port("imap")}}, timeout=30)
        try:
            typ, data = m.login({{JsonSerializer.Serialize(user)}}, {{JsonSerializer.Serialize(password)}})
            print(typ)
            m.logout()
        except imaplib.IMAP4.error as e:
            print("NO " + str(e))
        """)).Trim();

    private async Task<bool> WaitForSubject(string user, string password, string subject)
    {
        var found = await Python($$"""
            import imaplib, time
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                m = imaplib.IMAP4("127.0.0.1", {{_server.Port("imap")}}, timeout=30)
                m.login("{{user}}", "{{password}}")
                m.select("INBOX", readonly=True)
                typ, data = m.search(None, 'SUBJECT', '"{{subject}}"')
                m.logout()
                if data[0].split():
                    print("found"); break
                time.sleep(0.2)
            else:
                print("missing")
            """);
        return found.Trim() == "found";
    }

    private static async Task<bool> Eventually(Func<Task<bool>> condition, TimeSpan bound)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < bound)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    private static async Task<string> Python(string script)
    {
        var result = await ExternalProcess.PythonAsync(script, TimeSpan.FromSeconds(90));
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return result.Stdout;
    }
}
