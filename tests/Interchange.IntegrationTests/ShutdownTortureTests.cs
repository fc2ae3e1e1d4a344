using System.Text.Json;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests;

/// <summary>
/// ARCHITECTURE.md section 4 rule 5, bounded shutdown under load, nothing lost: SIGTERM while SMTP
/// clients are in the middle of DATA or BDAT and IMAP clients in the middle of an APPEND literal,
/// POP3 clients wait between commands, and others are sending whole messages one after another.
/// Every client is answered (421, BYE or -ERR, or the reply to what it completed), every transfer
/// cut short is logged as the stop begins, the
/// stop ends well inside its bound, and after a restart every message that got 250 or OK is in
/// its mailbox while no half-sent message is.
/// </summary>
public sealed class ShutdownTortureTests(ITestOutputHelper output)
{
    private const string Domain = "stop.test";
    private const string Password = "stop-secret-1";
    private const int Users = 4;
    private const int Slow = 5;
    private const int Fast = 4;

    // Long enough that a stop held by an upload cannot hide inside the wait below.
    private static readonly TimeSpan ShutdownBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Sigterm_during_uploads_answers_every_client_and_loses_nothing_acknowledged()
    {
        using var data = new ScratchFolder();
        var environment = new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = Domain,
            ["INTERCHANGE__ShutdownTimeout"] = ShutdownBound.ToString(),
            ["INTERCHANGE__Transport__PollInterval"] = "00:00:00.500",
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Pop3__AllowPlaintextAuthOnLoopback"] = "true",
        };
        var ready = Path.Combine(data.Path, "load-ready");
        ExternalProcess.Result load;
        IReadOnlyList<string> log;
        await using (var server = await ServerProcess.StartAsync(data.Path, ["smtp", "imap", "pop3", "http"], environment: environment))
        {
            for (var i = 0; i < Users; i++)
            {
                (await InterchangeBinary.CliAsync(data.Path, Password + "\n", "user", "add", $"user{i}@{Domain}", "--password-stdin")).ExitCode.ShouldBe(0);
            }

            var running = ExternalProcess.RunAsync("python3", [
                Path.Combine(AppContext.BaseDirectory, "Clients", "shutdown_load.py"),
                Port(server, "smtp"), Port(server, "imap"), Port(server, "pop3"), Domain, $"{Users}", Password, $"{Slow}", $"{Fast}", ready,
            ], timeout: TimeSpan.FromMinutes(4));

            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(ready) && !running.IsCompleted && waited.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(20);
            }

            File.Exists(ready).ShouldBeTrue("every slow client is mid-transfer and every fast one has sent a message");
            server.Terminate();
            var stopped = await server.WaitForExitAsync(StopWait);
            log = server.Stderr;
            output.WriteLine(log.LastOrDefault(l => l.Contains("Interchange stopped in", StringComparison.Ordinal)) ?? "(no stop line)");
            stopped.ShouldBeTrue($"the stop must end well inside its {ShutdownBound.TotalSeconds} s bound; waited {StopWait.TotalSeconds} s");
            load = await running;
        }

        load.ExitCode.ShouldBe(0, ExternalProcess.Describe(load));
        using var json = JsonDocument.Parse(load.Stdout);
        var root = json.RootElement;
        root.GetProperty("alive").GetInt32().ShouldBe(0, "every client finished");
        var acked = root.GetProperty("acked").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
        var outcomes = root.GetProperty("outcomes").EnumerateArray()
            .Select(e => (Client: e.GetProperty("client").GetString()!, Kind: e.GetProperty("kind").GetString()!, Detail: e.GetProperty("detail").GetString()!))
            .ToList();
        foreach (var o in outcomes)
        {
            output.WriteLine($"{o.Client}: {o.Kind} {o.Detail}");
        }

        output.WriteLine($"{acked.Count} messages acknowledged");

        // A slow client is cut off mid-transfer: it must be told why, not reset.
        foreach (var o in outcomes.Where(o => o.Client.StartsWith("slow-", StringComparison.Ordinal)))
        {
            o.Kind.ShouldBe("reply", $"{o.Client} must get 421/BYE, got {o.Kind}: {o.Detail}");
            (o.Client.StartsWith("slow-smtp", StringComparison.Ordinal) ? o.Detail.StartsWith("421", StringComparison.Ordinal) : o.Detail.StartsWith("* BYE", StringComparison.Ordinal))
                .ShouldBeTrue($"{o.Client}: {o.Detail}");
        }

        outcomes.Count(o => o.Client.StartsWith("slow-", StringComparison.Ordinal)).ShouldBe(2 * Slow);

        // A POP3 client between commands is told why too.
        var waiting = outcomes.Where(o => o.Client.StartsWith("waiting-pop3", StringComparison.Ordinal)).ToList();
        waiting.Count.ShouldBe(Math.Min(Slow, Users));
        foreach (var o in waiting)
        {
            o.Kind.ShouldBe("reply", $"{o.Client}: {o.Detail}");
            o.Detail.ShouldStartWith("-ERR", customMessage: o.Client);
        }

        // A fast client is answered too (or, connecting after the listener closed, refused).
        foreach (var o in outcomes.Where(o => o.Client.StartsWith("fast-", StringComparison.Ordinal)))
        {
            o.Kind.ShouldBeOneOf(["reply", "refused"], $"{o.Client}: {o.Detail}");
        }

        acked.Count.ShouldBeGreaterThanOrEqualTo(2 * Fast);

        // Each cut-off transfer is logged as the stop begins.
        var cut = log.Count(l => l.Contains("server stopping during a message transfer", StringComparison.Ordinal));
        cut.ShouldBeGreaterThanOrEqualTo(2 * Slow, string.Join('\n', log.TakeLast(40)));

        // Nothing accepted is lost, nothing half-sent is stored (SMTP-accepted mail is delivered after the restart).
        await using var restarted = await ServerProcess.StartAsync(data.Path, ["smtp", "imap"], environment: environment);
        HashSet<string> stored = [];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            stored = await StoredIdsAsync(restarted.Port("imap"));
            if (acked.IsSubsetOf(stored))
            {
                break;
            }

            await Task.Delay(500);
        }
        while (DateTime.UtcNow < deadline);

        acked.Except(stored).ShouldBeEmpty("every message that got 250 or OK is stored");
        stored.Where(id => id.StartsWith("slow-", StringComparison.Ordinal)).ShouldBeEmpty("no half-sent message is stored");
    }

    private static string Port(ServerProcess server, string protocol) => server.Port(protocol).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<HashSet<string>> StoredIdsAsync(int port) => (await StoredLoadIds.ReadAsync(port, Users, Domain, Password)).ToHashSet();
}
