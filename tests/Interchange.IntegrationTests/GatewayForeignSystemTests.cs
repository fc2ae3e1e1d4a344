using System.Diagnostics;
using System.Text.Json;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests;

/// <summary>
/// Issue 10 point 3 from outside: a Python script plays the foreign mail system of a gateway,
/// following the file contract of docs/GATEWAY.md. It reads with Python's <c>email</c> package the
/// files Interchange writes for mail sent with <c>smtplib</c>, and drops files that must reach
/// local users' INBOXes (read with <c>imaplib</c>) once each, also across a kill -9.
/// </summary>
public sealed class GatewayForeignSystemTests(ITestOutputHelper output)
{
    private const string Password = "gateway-secret-1";

    [Fact]
    public async Task Mail_sent_with_smtplib_to_the_gateways_domains_is_read_by_the_foreign_system_as_one_file_per_domain_with_its_own_recipients()
    {
        using var data = new ScratchFolder();
        await using var server = await StartAsync(data.Path);
        var drop = Path.Combine(data.Path, "gateway", "out");
        await AddUserAsync(data.Path, "anna@example.test");

        var result = await ExternalProcess.PythonAsync($$"""
            import email, email.policy, json, os, smtplib, time
            from email.message import EmailMessage
            m = EmailMessage()
            m["From"] = "zoe@sender.test"
            m["To"] = "u1@foreign.test, u2@foreign.test, x@other.test, anna@example.test"
            m["Subject"] = "to the foreign system"
            text = "Gr\u00fc\u00dfe aus Interchange.\n.a line that starts with a dot\n\nlast line with trailing spaces   \n"
            m.set_content(text)
            raw = m.as_bytes(policy=email.policy.SMTP)
            with smtplib.SMTP("127.0.0.1", {{server.Port("smtp")}}, timeout=20) as s:
                s.sendmail("zoe@sender.test", ["u1@foreign.test", "u2@foreign.test", "x@other.test", "anna@example.test"], raw)

            # The foreign system: take every whole file (names starting with '.' are not ours).
            drop = {{JsonSerializer.Serialize(drop)}}
            deadline = time.monotonic() + 60
            names = []
            while time.monotonic() < deadline:
                names = sorted(n for n in os.listdir(drop) if not n.startswith(".") and os.path.isfile(os.path.join(drop, n)))
                if len(names) >= 2:
                    break
                time.sleep(0.1)
            files = []
            for name in names:
                with open(os.path.join(drop, name), "rb") as f:
                    content = f.read()
                parsed = email.message_from_bytes(content, policy=email.policy.default)
                files.append({
                    "name": name,
                    "first_line": content.split(b"\r\n", 1)[0].decode(),
                    "sender": str(parsed["X-Sender"]),
                    "receivers": [str(r) for r in parsed.get_all("X-Receiver")],
                    "subject": str(parsed["Subject"]),
                    "received": str(parsed["Received"]).split(";")[0],
                    "body_intact": content.split(b"\r\n\r\n", 1)[1] == raw.split(b"\r\n\r\n", 1)[1],
                    "text_intact": parsed.get_content().replace("\r\n", "\n") == text,
                })
                os.remove(os.path.join(drop, name))
            print(json.dumps(files))
            """, TimeSpan.FromSeconds(90));

        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var files = JsonSerializer.Deserialize<List<DroppedFile>>(result.Stdout, JsonOptions).ShouldNotBeNull();
        output.WriteLine(result.Stdout);
        files.Count.ShouldBe(2, result.Stdout);
        var (foreign, other) = (files.Single(f => f.Name.EndsWith("-foreign.test.eml", StringComparison.Ordinal)), files.Single(f => f.Name.EndsWith("-other.test.eml", StringComparison.Ordinal)));
        foreign.Name.Split('-')[0].ShouldBe(other.Name.Split('-')[0], "both named by the message's queue id");
        long.TryParse(foreign.Name.Split('-')[0], out _).ShouldBeTrue(foreign.Name);
        foreign.Receivers.ShouldBe(["<u1@foreign.test>", "<u2@foreign.test>"]);
        other.Receivers.ShouldBe(["<x@other.test>"], "each file carries only its own domain's recipients");
        foreach (var file in files)
        {
            file.FirstLine.ShouldBe("X-Sender: <zoe@sender.test>", "the envelope comes first");
            file.Sender.ShouldBe("<zoe@sender.test>");
            file.Subject.ShouldBe("to the foreign system");
            file.Received.ShouldStartWith("from ", customMessage: "Interchange's trace field is in the message");
            file.BodyIntact.ShouldBeTrue("the body is byte for byte what smtplib sent");
            file.TextIntact.ShouldBeTrue();
        }

        // The local recipient of the same message is delivered as usual, and the queue empties.
        await WaitDrainedAsync(data.Path);
        var inbox = await ImapHeadersAsync(server, "anna@example.test", "Subject");
        inbox.ShouldBe(["to the foreign system"]);
        System.IO.Directory.EnumerateFiles(drop).ShouldBeEmpty("each domain's file was written once");
    }

    [Fact]
    public async Task Files_the_foreign_system_drops_arrive_in_the_inboxes_once_each_and_a_malformed_one_is_set_aside_with_its_reason()
    {
        using var data = new ScratchFolder();
        await using var server = await StartAsync(data.Path);
        await AddUserAsync(data.Path, "anna@example.test");
        await AddUserAsync(data.Path, "bob@example.test");
        var pickup = Path.Combine(data.Path, "gateway", "in");

        var dropped = await ExternalProcess.PythonAsync(DropScript(pickup, """
            [
              ("0001.eml", "<ccmail@foreign.test>", ["<anna@example.test>"], "one"),
              ("0002.eml", "<ccmail@foreign.test>", ["<anna@example.test>", "<bob@example.test>"], "two"),
              ("0003.eml", "<ccmail@foreign.test>", [], "no receiver"),
            ]
            """));
        dropped.ExitCode.ShouldBe(0, ExternalProcess.Describe(dropped));

        var bad = Path.Combine(pickup, ".bad");
        await WaitForAsync(() => System.IO.Directory.Exists(bad) && System.IO.Directory.EnumerateFiles(bad, "*.reason").Any() && !Names(pickup).Any() && !Names(Path.Combine(pickup, ".work")).Any(), "the pickup folder emptied", TimeSpan.FromSeconds(60));
        await WaitDrainedAsync(data.Path);

        (await ImapHeadersAsync(server, "anna@example.test", "X-Foreign-Id")).Order(StringComparer.Ordinal).ShouldBe(["one", "two"]);
        (await ImapHeadersAsync(server, "bob@example.test", "X-Foreign-Id")).ShouldBe(["two"]);
        var setAside = Names(bad).Order(StringComparer.Ordinal).ToList();
        setAside.Count.ShouldBe(2, string.Join(", ", setAside));
        setAside[0].ShouldEndWith("-0003.eml");
        setAside[1].ShouldBe(setAside[0] + ".reason");
        (await File.ReadAllTextAsync(Path.Combine(bad, setAside[1]))).ShouldContain("does not start with an X-Sender field and at least one X-Receiver field");
    }

    [Fact]
    public async Task KillNine_while_picking_up_hundreds_of_files_then_restart_every_file_is_delivered_exactly_once()
    {
        const int Files = 600;
        const int Users = 4;
        using var data = new ScratchFolder();
        var pickup = Path.Combine(data.Path, "gateway", "in");
        var work = Path.Combine(pickup, ".work");
        int remainingAtKill, claimedAtKill;
        await using (var server = await StartAsync(data.Path))
        {
            for (var u = 0; u < Users; u++)
            {
                await AddUserAsync(data.Path, $"user{u}@example.test");
            }

            // Written under .staging (ignored: its name starts with '.'), then renamed in at once,
            // so the pickup has hundreds to work through when the kill comes.
            var dropped = await ExternalProcess.PythonAsync(DropScript(pickup, $"[(\"%04d.eml\" % i, \"<ccmail@foreign.test>\", [\"<user%d@example.test>\" % (i % {Users})], str(i)) for i in range({Files})]"), TimeSpan.FromSeconds(120));
            dropped.ExitCode.ShouldBe(0, ExternalProcess.Describe(dropped));

            var watch = Stopwatch.StartNew();
            while (Names(pickup).Count() > Files * 3 / 4 && watch.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(5);
            }

            server.Kill();
            remainingAtKill = Names(pickup).Count();
            claimedAtKill = Names(work).Count();
        }

        output.WriteLine($"at the kill: {remainingAtKill} of {Files} files not yet claimed, {claimedAtKill} claimed in .work");
        remainingAtKill.ShouldBeGreaterThan(0, "the kill came in the middle of the pickup");
        remainingAtKill.ShouldBeLessThan(Files, "the pickup had begun");

        await using (var restarted = await StartAsync(data.Path))
        {
            await WaitForAsync(() => !Names(pickup).Any() && !Names(work).Any(), "the pickup folder and .work emptied", TimeSpan.FromMinutes(3));
            await WaitDrainedAsync(data.Path);
            Names(Path.Combine(pickup, ".bad")).ShouldBeEmpty();

            var delivered = new List<(int User, int Id)>();
            for (var u = 0; u < Users; u++)
            {
                delivered.AddRange((await ImapHeadersAsync(restarted, $"user{u}@example.test", "X-Foreign-Id")).Select(id => (u, int.Parse(id, System.Globalization.CultureInfo.InvariantCulture))));
            }

            var duplicates = delivered.GroupBy(d => d.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            var missing = Enumerable.Range(0, Files).Except(delivered.Select(d => d.Id)).ToList();
            output.WriteLine($"after the restart: {delivered.Count} delivered, {duplicates.Count} duplicated, {missing.Count} missing");
            duplicates.ShouldBeEmpty("no file is delivered twice");
            missing.ShouldBeEmpty("no file is lost");
            delivered.Count.ShouldBe(Files);
            delivered.ShouldAllBe(d => d.User == d.Id % Users, "each in its recipient's INBOX");
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record DroppedFile(string Name, string FirstLine, string Sender, List<string> Receivers, string Subject, string Received, bool BodyIntact, bool TextIntact);

    private static Task<ServerProcess> StartAsync(string data) =>
        ServerProcess.StartAsync(data, ["smtp", "imap"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "example.test",
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Smtp__RelayNetworks__0"] = "127.0.0.0/8",
            ["INTERCHANGE__Transport__PollInterval"] = "00:00:00.500",
            // Relative folders are under the data folder.
            ["INTERCHANGE__Transport__Gateways__0__Name"] = "foreign",
            ["INTERCHANGE__Transport__Gateways__0__DropFolder"] = "gateway/out",
            ["INTERCHANGE__Transport__Gateways__0__PickupFolder"] = "gateway/in",
            ["INTERCHANGE__Transport__Gateways__0__PollInterval"] = "00:00:00.200",
            ["INTERCHANGE__Transport__Routes__0__AddressSpace"] = "foreign.test",
            ["INTERCHANGE__Transport__Routes__0__Connector"] = "foreign",
            ["INTERCHANGE__Transport__Routes__1__AddressSpace"] = "other.test",
            ["INTERCHANGE__Transport__Routes__1__Connector"] = "foreign",
        });

    private static async Task AddUserAsync(string data, string user) =>
        (await InterchangeBinary.CliAsync(data, Password + "\n", "user", "add", user, "--password-stdin")).ExitCode.ShouldBe(0);

    /// <summary>
    /// The foreign system writing files as docs/GATEWAY.md asks: each under a name starting with
    /// '.' (in the dot-named .staging folder), flushed, then renamed into the pickup folder.
    /// <paramref name="files"/> is a Python expression: a list of (name, X-Sender, [X-Receiver], id).
    /// </summary>
    private static string DropScript(string pickup, string files) => $$"""
        import os
        pickup = {{JsonSerializer.Serialize(pickup)}}
        staging = os.path.join(pickup, ".staging")
        os.makedirs(staging, exist_ok=True)
        files = {{files}}
        for name, sender, receivers, ident in files:
            head = "X-Sender: " + sender + "\r\n" + "".join("X-Receiver: " + r + "\r\n" for r in receivers)
            message = "From: Foreign <ccmail@foreign.test>\r\nSubject: from the foreign system " + ident + "\r\nX-Foreign-Id: " + ident + "\r\n\r\nbody of " + ident + "\r\n"
            with open(os.path.join(staging, "." + name), "wb") as f:
                f.write((head + message).encode())
                f.flush()
                os.fsync(f.fileno())
        for name, _, _, _ in files:
            os.rename(os.path.join(staging, "." + name), os.path.join(pickup, name))
        print(len(files))
        """;

    /// <summary>One header field of every message in a user's INBOX, read with imaplib.</summary>
    private static async Task<List<string>> ImapHeadersAsync(ServerProcess server, string user, string field)
    {
        var result = await ExternalProcess.PythonAsync($$"""
            import email, email.policy, imaplib
            m = imaplib.IMAP4("127.0.0.1", {{server.Port("imap")}}, timeout=30)
            m.login("{{user}}", "{{Password}}")
            count = int(m.select("INBOX", readonly=True)[1][0])
            if count:
                typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS ({{field}})])")
                for part in data:
                    if isinstance(part, tuple):
                        print(email.message_from_bytes(part[1], policy=email.policy.default)["{{field}}"])
            m.logout()
            """, TimeSpan.FromSeconds(60));
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return result.Stdout.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static IEnumerable<string> Names(string folder) =>
        System.IO.Directory.Exists(folder) ? System.IO.Directory.EnumerateFiles(folder).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Select(n => n!) : [];

    private static async Task WaitForAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            watch.Elapsed.ShouldBeLessThan(timeout, $"waited for: {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Until the queue has nothing left to do (the CLI's <c>queue status</c>).</summary>
    private static async Task WaitDrainedAsync(string data)
    {
        var watch = Stopwatch.StartNew();
        string status;
        do
        {
            status = (await InterchangeBinary.CliAsync(data, null, "queue", "status")).Stdout;
            if (status.Contains("messages waiting for routing: 0", StringComparison.Ordinal)
                && status.Contains("messages routed, not finished: 0", StringComparison.Ordinal)
                && status.Contains("deliveries pending: 0 ", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(250);
        }
        while (watch.Elapsed < TimeSpan.FromMinutes(2));

        throw new TimeoutException("the queue did not drain: " + status);
    }
}
