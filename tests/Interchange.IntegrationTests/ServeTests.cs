using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary><c>interchange serve</c> as an administrator starts it, checked with curl and Python's mail clients.</summary>
public sealed class ServeTests
{
    [Fact]
    public async Task FirstStart_OnEmptyFolder_CreatesStorePostmasterAndCertificate_AndPrintsEveryListener()
    {
        using var data = new ScratchFolder();
        await using var server = await ServerProcess.StartAsync(data.Path);

        var stdout = server.Stdout;
        stdout.ShouldContain(l => l.StartsWith("created domain ", StringComparison.Ordinal));
        var passwordLine = stdout.Single(l => l.StartsWith("password for postmaster@", StringComparison.Ordinal));
        server.Stderr.ShouldContain(l => l.Contains("PrimaryDomain is not configured, so the primary domain is this host's name", StringComparison.Ordinal), "the guessed domain is pointed out");
        passwordLine[(passwordLine.LastIndexOf(' ') + 1)..].Length.ShouldBe(20);
        foreach (var protocol in ServerProcess.AllProtocols)
        {
            stdout.ShouldContain(l => l.StartsWith($"listening {protocol} 127.0.0.1:", StringComparison.Ordinal), $"a listening line for {protocol}");
            server.Port(protocol).ShouldBeGreaterThan(0);
        }

        using var endpoints = ServerProcess.ReadEndpoints(data.Path);
        endpoints.RootElement.GetProperty("pid").GetInt32().ShouldBe(server.Pid);
        var listed = endpoints.RootElement.GetProperty("listeners").EnumerateArray()
            .Select(l => (Protocol: l.GetProperty("protocol").GetString()!, Host: l.GetProperty("host").GetString(), Port: l.GetProperty("port").GetInt32()))
            .ToList();
        listed.Count.ShouldBe(ServerProcess.AllProtocols.Length);
        foreach (var (protocol, host, port) in listed)
        {
            host.ShouldBe("127.0.0.1");
            port.ShouldBe(server.Port(protocol));
        }

        File.Exists(Path.Combine(data.Path, "store.db")).ShouldBeTrue();
        File.Exists(Path.Combine(data.Path, "tls", "server.crt")).ShouldBeTrue();
        if (!OperatingSystem.IsWindows())
        {
            var keyMode = File.GetUnixFileMode(Path.Combine(data.Path, "tls", "server.key"));
            keyMode.ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "the private key is readable by its owner only");
        }

        // The postmaster's generated password is the one stored.
        var users = await InterchangeBinary.CliAsync(data.Path, null, "user", "list");
        users.ExitCode.ShouldBe(0, ExternalProcess.Describe(users));
        users.Stdout.ShouldContain("postmaster@");
    }

    [Fact]
    public async Task SecondStart_OnTheSameFolder_KeepsTheDirectoryAndCertificate()
    {
        using var data = new ScratchFolder();
        string certificate;
        await using (var first = await ServerProcess.StartAsync(data.Path, ["http"]))
        {
            certificate = await File.ReadAllTextAsync(Path.Combine(data.Path, "tls", "server.crt"));
            first.Terminate();
            (await first.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
        }

        await using var second = await ServerProcess.StartAsync(data.Path, ["http"]);
        second.Stdout.ShouldNotContain(l => l.StartsWith("created domain", StringComparison.Ordinal));
        second.Stdout.ShouldNotContain(l => l.StartsWith("password for", StringComparison.Ordinal));
        (await File.ReadAllTextAsync(Path.Combine(data.Path, "tls", "server.crt"))).ShouldBe(certificate);
    }

    [Fact]
    public async Task Healthz_IsServedOnTheHttpListener_ToCurl()
    {
        using var data = new ScratchFolder();
        await using var server = await ServerProcess.StartAsync(data.Path, ["http"]);

        var result = await ExternalProcess.RunAsync("curl", ["-sS", "-w", "\n%{http_code}", $"http://127.0.0.1:{server.Port("http")}/healthz"]);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        var lines = result.Stdout.Trim().Split('\n');
        lines[^1].ShouldBe("200");
        lines[0].ShouldContain("\"status\":\"ok\"");

        var missing = await ExternalProcess.RunAsync("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", $"http://127.0.0.1:{server.Port("http")}/no-such-page"]);
        missing.Stdout.ShouldBe("404");
    }

    [Fact]
    public async Task SigTerm_StopsTheServerWithinItsBound_UnderLoad_AndRemovesTheEndpointsFile()
    {
        using var data = new ScratchFolder();
        await using var server = await ServerProcess.StartAsync(data.Path);
        File.Exists(Path.Combine(data.Path, "run", "endpoints.json")).ShouldBeTrue();

        // Under load: 100 idle connections on every mail listener and the web one, and 16
        // clients requesting /healthz back to back. None of it may hold the stop up.
        var idle = new List<TcpClient>();
        foreach (var protocol in new[] { "smtp", "imap", "pop3", "http" })
        {
            for (var i = 0; i < 25; i++)
            {
                var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, server.Port(protocol));
                idle.Add(client);
            }
        }

        using var stopLoad = new CancellationTokenSource();
        long requests = 0;
        var load = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            while (!stopLoad.IsCancellationRequested)
            {
                try
                {
                    await http.GetStringAsync(new Uri($"http://127.0.0.1:{server.Port("http")}/healthz"), stopLoad.Token);
                    Interlocked.Increment(ref requests);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or OperationCanceledException)
                {
                    // Refused or cut once the server stops.
                }
            }
        })).ToArray();
        var deadline = Stopwatch.StartNew();
        while (Interlocked.Read(ref requests) < 200 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }

        Interlocked.Read(ref requests).ShouldBeGreaterThanOrEqualTo(200, "the load was running when the stop came");
        server.Terminate();
        (await server.WaitForExitAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue("stops within the default 10 s bound, under load");
        await stopLoad.CancelAsync();
        await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(30));
        idle.ForEach(c => c.Dispose());
        server.ExitCode.ShouldBe(0);
        File.Exists(Path.Combine(data.Path, "run", "endpoints.json")).ShouldBeFalse();
        server.Stderr.ShouldContain(l => l.Contains("Interchange stopped in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PortInUse_IsOneClearLine_AndExitCodeOne()
    {
        using var data = new ScratchFolder();
        using var occupier = new TcpListener(IPAddress.Loopback, 0);
        occupier.Start();
        var port = ((IPEndPoint)occupier.LocalEndpoint).Port;

        var arguments = new List<string> { "serve", "--data", data.Path };
        foreach (var protocol in ServerProcess.AllProtocols)
        {
            arguments.Add("--listen");
            arguments.Add(protocol == "smtp" ? $"smtp=127.0.0.1:{port}" : $"{protocol}=none");
        }

        var result = await ExternalProcess.RunAsync("dotnet", InterchangeBinary.Command([.. arguments]), environment: new Dictionary<string, string> { ["INTERCHANGE__Directory__PasswordIterations"] = "1000" });
        result.ExitCode.ShouldBe(1, ExternalProcess.Describe(result));
        var errors = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("interchange:", StringComparison.Ordinal)).ToList();
        errors.ShouldHaveSingleItem();
        errors[0].ShouldContain($"cannot listen for smtp on 127.0.0.1:{port}");
        result.Stderr.ShouldNotContain("   at ", Case.Sensitive, "no stack trace");
    }

    [Fact]
    public async Task BadListenOption_IsAUsageError()
    {
        using var data = new ScratchFolder();
        var result = await ExternalProcess.RunAsync("dotnet", InterchangeBinary.Command("serve", "--data", data.Path, "--listen", "gopher=127.0.0.1:70"));
        result.ExitCode.ShouldBe(2, ExternalProcess.Describe(result));
        result.Stderr.ShouldContain("--listen gopher=127.0.0.1:70");
    }

    [Fact]
    public async Task ConfigurationFile_AndEnvironment_ChooseTheListeners_AndTheCommandLineWins()
    {
        using var data = new ScratchFolder();
        System.IO.Directory.CreateDirectory(data.Path);
        await File.WriteAllTextAsync(Path.Combine(data.Path, "interchange.json"), """
            {
              "PrimaryDomain": "Mail.Example.TEST",
              "Listen": { "smtp": "127.0.0.1:0", "submission": "none", "submissions": "none", "imap": "127.0.0.1:0",
                          "imaps": "none", "pop3": "none", "pop3s": "none", "http": "127.0.0.1:0", "https": "none" }
            }
            """);
        var environment = new Dictionary<string, string> { ["INTERCHANGE__Listen__imap"] = "none" };
        var server = ServerProcess.Launch(["serve", "--data", data.Path, "--listen", "pop3=127.0.0.1:0"], environment, expectedListeners: 3);
        await using (server)
        {
            await server.WaitListeningAsync(TimeSpan.FromSeconds(60));
            var listening = server.Stdout.Where(l => l.StartsWith("listening ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).Order().ToList();
            listening.ShouldBe(["http", "pop3", "smtp"], "file: smtp+imap+http; environment: imap off; command line: pop3 on");
            server.Stdout.ShouldContain("created domain mail.example.test and user postmaster@mail.example.test");
            server.Stderr.ShouldNotContain(l => l.Contains("PrimaryDomain is not configured", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task MisspeltConfigurationKeys_AreWarnedAboutAtStart_NamingTheClosestKnownKey()
    {
        using var data = new ScratchFolder();
        System.IO.Directory.CreateDirectory(data.Path);
        await File.WriteAllTextAsync(Path.Combine(data.Path, "interchange.json"), """
            { "Smtp": { "MaxMesageSize": 1000000 }, "Imap": { "IdleTimeout": "00:10:00" } }
            """);
        var environment = new Dictionary<string, string> { ["INTERCHANGE__PrimaryDomian"] = "example.test" };
        await using var server = await ServerProcess.StartAsync(data.Path, ["http"], environment: environment);

        await server.WaitForLogAsync(l => l.Contains("unknown configuration key 'Smtp:MaxMesageSize' is ignored (did you mean 'Smtp:MaxMessageSize'?)", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        await server.WaitForLogAsync(l => l.Contains("unknown configuration key 'PrimaryDomian' is ignored (did you mean 'PrimaryDomain'?)", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        server.Stderr.ShouldNotContain(l => l.Contains("'Imap:", StringComparison.Ordinal), "a key spelt right is not reported");

        // The admin commands read the same configuration and say the same.
        var list = await InterchangeBinary.CliAsync(data.Path, null, "domain", "list");
        list.Stderr.ShouldContain("warning: unknown configuration key 'Smtp:MaxMesageSize'");
    }

    [Fact]
    public async Task ThePrimaryDomainChosenAtTheFirstStart_IsRecorded_ForLaterStartsAndTheAdminCommands()
    {
        using var data = new ScratchFolder();
        var environment = new Dictionary<string, string> { ["INTERCHANGE__PrimaryDomain"] = "first.example.test" };
        await using (var first = await ServerProcess.StartAsync(data.Path, ["http"], environment: environment))
        {
            first.Stdout.ShouldContain("created domain first.example.test and user postmaster@first.example.test");
            first.Terminate();
            (await first.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
        }

        // Neither the admin command nor the second start is told the domain again.
        var domains = await InterchangeBinary.CliAsync(data.Path, null, "domain", "list");
        domains.ShouldSucceed("first.example.test (primary)");
        (await InterchangeBinary.CliAsync(data.Path, null, "domain", "remove", "first.example.test", "--force")).ShouldFail(1, "is the primary domain");

        await using var second = await ServerProcess.StartAsync(data.Path, ["smtp"]);
        second.Stderr.ShouldNotContain(l => l.Contains("PrimaryDomain is not configured", StringComparison.Ordinal));
        var banner = await ExternalProcess.PythonAsync($$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{second.Port("smtp")}}, timeout=20)
            print(s.ehlo()[1].decode().splitlines()[0])
            s.quit()
            """);
        banner.Stdout.ShouldStartWith("first.example.test", Case.Sensitive, ExternalProcess.Describe(banner));
    }
}
