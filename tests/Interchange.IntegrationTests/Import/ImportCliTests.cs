using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Import;

/// <summary>
/// <c>interchange import</c> and <c>export</c> as an administrator runs them, judged by the store,
/// by Python's csv and python-ldap's ldif modules, and by imaplib logging in with imported hashes.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ImportCliTests : IAsyncLifetime
{
    private readonly ScratchFolder _data = new();
    private readonly ScratchFolder _files = new();

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_files.Path);
        await using var server = await ServerProcess.StartAsync(_data.Path, ["http"]);
        server.Terminate();
        (await server.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
    }

    public Task DisposeAsync()
    {
        _data.Dispose();
        _files.Dispose();
        return Task.CompletedTask;
    }

    private string File(string name) => Path.Combine(_files.Path, name);

    private Task<ExternalProcess.Result> Cli(params string[] arguments) => InterchangeBinary.CliAsync(_data.Path, null, arguments);

    private T Query<T>(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data.Path, "store.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// 10,000 entries in the CSV format: 9,000 users, 800 aliases, 180 groups with members, and 20
    /// bad rows at known lines (returned). Users of domain d{i%5}.example.
    /// </summary>
    private static (string Text, List<int> BadLines) MakeCsv(int entries = 10_000)
    {
        var text = new StringBuilder("type,address,password_hash,disabled,role,targets\n");
        var bad = new List<int>();
        var line = 1;
        for (var i = 0; i < entries; i++)
        {
            line++;
            if (i % 500 == 499)
            {
                bad.Add(line);
                text.Append(i % 1000 == 999 ? $"user,broken{i}@@d{i % 5}.example,,,,\n" : $"alias,dangling{i}@d{i % 5}.example,,,,nobody{i}@d{i % 5}.example\n");
            }
            else if (i < 9000)
            {
                text.Append($"user,User{i}@d{i % 5}.example,,{(i % 97 == 0 ? "true" : "")},,\n");
            }
            else if (i < 9800)
            {
                text.Append($"alias,alias{i}@d{i % 5}.example,,,,user{i - 9000}@d{(i - 9000) % 5}.example remote{i}@elsewhere.example\n");
            }
            else
            {
                text.Append($"group,group{i}@d{i % 5}.example,,,,user{i - 9800}@d{(i - 9800) % 5}.example user{i - 9700}@d{(i - 9700) % 5}.example\n");
            }
        }

        return (text.ToString(), bad);
    }

    [Fact]
    public async Task A_csv_of_10000_entries_imports_its_good_rows_reports_exactly_its_bad_lines_and_a_rerun_changes_nothing()
    {
        var (csv, badLines) = MakeCsv();
        await System.IO.File.WriteAllTextAsync(File("dir.csv"), csv);

        var first = await Cli("import", File("dir.csv"), "--errors", File("errors.txt"));

        first.ExitCode.ShouldBe(3, ExternalProcess.Describe(first));
        first.Stdout.ShouldContain("10000 entries read");
        var reported = (await System.IO.File.ReadAllLinesAsync(File("errors.txt"))).Where(l => !l.Contains("warning:", StringComparison.Ordinal))
            .Select(l => int.Parse(l["line ".Length..l.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        reported.ShouldBe(badLines);
        // 18 of the first 9,000 rows are bad, one of the aliases' and one of the groups'; plus the first start's postmaster.
        Query<long>("SELECT COUNT(*) FROM users").ShouldBe(9000 - 18 + 1);
        Query<long>("SELECT COUNT(*) FROM addresses WHERE kind = 'alias'").ShouldBe(799);
        Query<long>("SELECT COUNT(*) FROM alias_targets").ShouldBe(799 * 2);
        Query<long>("SELECT COUNT(*) FROM addresses WHERE kind = 'group'").ShouldBe(199);
        Query<long>("SELECT COUNT(*) FROM group_members").ShouldBe(199 * 2);
        Query<string>("SELECT address FROM addresses WHERE key = 'user4242@d2.example'").ShouldBe("User4242@d2.example");
        Query<long>("SELECT disabled FROM users WHERE key = 'user97@d2.example'").ShouldBe(1);
        var changes = Query<long>("SELECT COUNT(*) FROM directory_changes");

        var again = await Cli("import", File("dir.csv"));

        again.Stdout.ShouldContain("created 0, changed 0");
        Query<long>("SELECT COUNT(*) FROM directory_changes").ShouldBe(changes, "a re-import writes no change-log entry");
    }

    [Fact]
    public async Task A_dry_run_reports_what_would_change_and_writes_nothing()
    {
        var (csv, _) = MakeCsv(2000);
        await System.IO.File.WriteAllTextAsync(File("dir.csv"), csv);
        var changes = Query<long>("SELECT COUNT(*) FROM directory_changes");

        var dry = await Cli("import", File("dir.csv"), "--dry-run", "--batch", "100");

        dry.Stdout.ShouldContain("dry run, nothing written: would create");
        dry.Stdout.ShouldNotContain("would create 0,");
        Query<long>("SELECT COUNT(*) FROM users").ShouldBe(1);
        Query<long>("SELECT COUNT(*) FROM directory_changes").ShouldBe(changes);
        Query<long>("SELECT COUNT(*) FROM import_runs").ShouldBe(0);
    }

    [Fact]
    public async Task An_import_killed_with_sigkill_resumes_where_it_stopped_and_ends_with_everything_once()
    {
        var text = new StringBuilder("type,address,password_hash,disabled,role,targets\n");
        for (var i = 0; i < 30_000; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"user,k{i}@kill.example,,,,\n");
        }

        await System.IO.File.WriteAllTextAsync(File("big.csv"), text.ToString());
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in InterchangeBinary.Command("import", File("big.csv"), "--batch", "20", "--data", _data.Path))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var deadline = Stopwatch.StartNew();
        long position = 0;
        while (deadline.Elapsed < TimeSpan.FromSeconds(60) && !process.HasExited)
        {
            position = System.IO.File.Exists(Path.Combine(_data.Path, "store.db")) ? Query<long>("SELECT COALESCE(MAX(position), 0) FROM import_runs") : 0;
            if (position >= 2000)
            {
                break;
            }

            await Task.Delay(5);
        }

        process.Kill(); // SIGKILL: no finally block, no disposal
        await process.WaitForExitAsync();
        position.ShouldBeGreaterThanOrEqualTo(2000, "the import must be killed part-way");
        var committed = Query<long>("SELECT COUNT(*) FROM users WHERE key LIKE 'k%@kill.example'");
        committed.ShouldBeLessThan(30_000, "killed before the end");
        Query<long>("SELECT finished FROM import_runs").ShouldBe(0);

        var resumed = await Cli("import", File("big.csv"), "--batch", "20");

        resumed.ExitCode.ShouldBe(0, ExternalProcess.Describe(resumed));
        resumed.Stdout.ShouldContain("resuming at line ");
        Query<long>("SELECT COUNT(*) FROM users WHERE key LIKE 'k%@kill.example'").ShouldBe(30_000);
        Query<long>("SELECT COUNT(*) FROM directory_changes WHERE what = 'user added' AND subject LIKE 'k%@kill.example'").ShouldBe(30_000, "each user added exactly once");
        Query<long>("SELECT finished FROM import_runs").ShouldBe(1);
    }

    [Fact]
    public async Task An_ldif_of_10000_entries_with_bad_records_imports_the_good_ones_and_names_the_bad_lines()
    {
        var text = new StringBuilder("version: 1\n# an OpenLDAP export\n\ndn: dc=ldif,dc=example\nobjectClass: dcObject\nobjectClass: organization\ndc: ldif\no: x\n");
        var lines = 8;
        var bad = new List<int>();
        int Record(string record)
        {
            text.Append('\n');
            text.Append(record);
            var start = lines + 2;
            lines += 1 + record.Count(c => c == '\n');
            return start;
        }

        for (var i = 0; i < 9_950; i++)
        {
            if (i % 1000 == 500)
            {
                bad.Add(Record($"dn: uid=bad{i},ou=people,dc=ldif,dc=example\nobjectClass: inetOrgPerson\nmail:< file:///etc/shadow\n"));
            }
            else if (i % 1000 == 700)
            {
                bad.Add(Record($"dn: uid=bad{i},ou=people,dc=ldif,dc=example\nobjectClass: inetOrgPerson\nuid: nomail{i}\ncn: x\nsn: y\n"));
            }
            else
            {
                var password = Convert.ToBase64String(Encoding.UTF8.GetBytes("{SSHA}mCLFpLADi6b5FrBeQTWZk5sbOZK0KkOy"));
                Record($"dn: uid=p{i},ou=people,dc=ldif,dc=example\nobjectClass: inetOrgPerson\nuid: p{i}\ncn: Person\n {i}\nsn: P\nmail: p{i}@ldif.example\nmailAlternateAddress: alt{i}@ldif.example\nuserPassword:: {password}\n");
            }
        }

        for (var g = 0; g < 49; g++)
        {
            Record($"dn: cn=g{g},ou=groups,dc=ldif,dc=example\nobjectClass: groupOfNames\ncn: g{g}\nmail: g{g}@ldif.example\nmember: uid=p{g},ou=people,dc=ldif,dc=example\nmember: UID=p{g + 1}, OU=people, DC=ldif, DC=example\n");
        }

        await System.IO.File.WriteAllTextAsync(File("dir.ldif"), text.ToString());

        var result = await Cli("import", File("dir.ldif"), "--errors", File("errors.txt"));

        result.ExitCode.ShouldBe(3, ExternalProcess.Describe(result));
        var reported = (await System.IO.File.ReadAllLinesAsync(File("errors.txt"))).ToList();
        reported.Select(l => int.Parse(l["line ".Length..l.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(bad, string.Join("\n", reported.Take(12)));
        reported.Count(l => l.Contains("':<'", StringComparison.Ordinal)).ShouldBe(10);
        Query<long>("SELECT COUNT(*) FROM users WHERE key LIKE 'p%@ldif.example'").ShouldBe(9_930);
        Query<long>("SELECT COUNT(*) FROM alias_targets WHERE alias_key LIKE 'alt%@ldif.example'").ShouldBe(9_930);
        Query<long>("SELECT COUNT(*) FROM group_members WHERE group_key LIKE 'g%@ldif.example'").ShouldBe(98);
        Query<string>("SELECT password_hash FROM users WHERE key = 'p42@ldif.example'").ShouldBe("{SSHA}mCLFpLADi6b5FrBeQTWZk5sbOZK0KkOy");

        var again = await Cli("import", File("dir.ldif"));
        again.Stdout.ShouldContain("created 0, changed 0");
    }

    [Fact]
    public async Task An_export_is_read_by_python_and_imports_into_a_fresh_server_whose_imap_accepts_the_original_passwords()
    {
        // Hashes made by others: Python's hashlib PBKDF2 (our format, low cost) and slappasswd's {SSHA}.
        var made = await ExternalProcess.PythonAsync("""
            import base64, hashlib
            salt = b"0123456789abcdef"
            dk = hashlib.pbkdf2_hmac("sha256", b"pbkdf2 secret", salt, 1000, 32)
            print("$pbkdf2-sha256$i=1000$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(dk).decode())
            """);
        var pbkdf2 = made.Stdout.Trim();
        var csv = $"""
            type,address,password_hash,disabled,role,targets
            user,Ann@rt.example,{pbkdf2},,admin,
            user,ben@rt.example,{"{SSHA}mCLFpLADi6b5FrBeQTWZk5sbOZK0KkOy"},,,
            user,o'neil+x@rt.example,,"true",,
            group,team@rt.example,,,,ann@rt.example ben@rt.example
            alias,@rt.example,,,,ann@rt.example
            alias,sales@rt.example,,,,team@rt.example partner@remote.example
            """;
        await System.IO.File.WriteAllTextAsync(File("seed.csv"), csv);
        var seeded = await Cli("import", File("seed.csv"));
        seeded.ExitCode.ShouldBe(0, ExternalProcess.Describe(seeded));

        var csvOut = await Cli("export", "--output", File("out.csv"));
        csvOut.ExitCode.ShouldBe(0, ExternalProcess.Describe(csvOut));
        (System.IO.File.GetUnixFileMode(File("out.csv")) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)).ShouldBe(UnixFileMode.None, "the export holds password hashes");
        (await Cli("export", "--format", "ldif", "--output", File("out.ldif"))).ExitCode.ShouldBe(0);

        var python = await ExternalProcess.DebianPythonAsync($$"""
            import csv, ldif
            rows = list(csv.DictReader(open("{{File("out.csv")}}", newline="")))
            users = {r["address"]: r for r in rows if r["type"] == "user"}
            assert users["o'neil+x@rt.example"]["disabled"] == "true", users
            assert users["Ann@rt.example"]["password_hash"] == "{{pbkdf2}}"
            assert users["Ann@rt.example"]["role"] == "admin"
            groups = [r for r in rows if r["type"] == "group" and r["targets"]]
            assert groups[0]["targets"].split() == ["ann@rt.example", "ben@rt.example"], groups
            parser = ldif.LDIFRecordList(open("{{File("out.ldif")}}", "rb"))
            parser.parse()
            entries = dict(parser.all_records)
            ann = [e for e in entries.values() if e.get("mail") == [b"Ann@rt.example"]][0]
            assert ann["userPassword"] == [b"{{pbkdf2}}"], ann
            assert b"inetOrgPerson" in ann["objectClass"]
            team = [e for e in entries.values() if e.get("mail") == [b"team@rt.example"]][0]
            assert len(team["member"]) == 2 and all(m in entries for m in (x.decode() for x in team["member"])), team
            alias = [e for e in entries.values() if e.get("cn") == [b"@rt.example"]][0]
            assert alias["rfc822MailMember"] == [b"ann@rt.example"], alias
            print("ok", len(rows), len(entries))
            """);
        python.ExitCode.ShouldBe(0, ExternalProcess.Describe(python));
        python.Stdout.ShouldStartWith("ok");

        // A fresh server from each export: same directory, and the original passwords log in over IMAP.
        foreach (var file in new[] { "out.csv", "out.ldif" })
        {
            using var fresh = new ScratchFolder();
            await using (var first = await ServerProcess.StartAsync(fresh.Path, ["http"]))
            {
                first.Terminate();
                (await first.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
            }

            var imported = await InterchangeBinary.CliAsync(fresh.Path, null, "import", File(file));
            imported.ExitCode.ShouldBe(0, ExternalProcess.Describe(imported));
            (await InterchangeBinary.CliAsync(fresh.Path, null, "export", "--output", Path.Combine(fresh.Path, "again.csv"))).ExitCode.ShouldBe(0);
            var exportedAgain = (await System.IO.File.ReadAllLinesAsync(Path.Combine(fresh.Path, "again.csv"))).Where(l => l.Contains("rt.example", StringComparison.Ordinal)).ToList();
            var original = (await System.IO.File.ReadAllLinesAsync(File("out.csv"))).Where(l => l.Contains("rt.example", StringComparison.Ordinal)).ToList();
            // LDIF names members by DN, so a member comes back spelt as its entry's mail (same key).
            static string Spelling(string line, string file) => file.EndsWith(".ldif", StringComparison.Ordinal) && line.StartsWith("group,", StringComparison.Ordinal) ? line.ToLowerInvariant() : line;
            exportedAgain.Select(l => Spelling(l, file)).ShouldBe(original.Select(l => Spelling(l, file)), $"{file} round trip:\n{string.Join('\n', exportedAgain)}\n---\n{string.Join('\n', original)}\n{imported.Stdout}{imported.Stderr}");

            await using var server = await ServerProcess.StartAsync(fresh.Path, ["imaps"]);
            var login = await ExternalProcess.PythonAsync($$"""
                import imaplib, ssl
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                for user, password in (("Ann@rt.example", "pbkdf2 secret"), ("ben@rt.example", "correct horse")):
                    m = imaplib.IMAP4_SSL("127.0.0.1", {{server.Port("imaps")}}, ssl_context=ctx)
                    m.login(user, password)
                    m.logout()
                m = imaplib.IMAP4_SSL("127.0.0.1", {{server.Port("imaps")}}, ssl_context=ctx)
                try:
                    m.login("ben@rt.example", "wrong horse")
                    print("wrong password accepted")
                except imaplib.IMAP4.error:
                    print("ok")
                """);
            login.Stdout.Trim().ShouldBe("ok", ExternalProcess.Describe(login));
        }
    }
}
