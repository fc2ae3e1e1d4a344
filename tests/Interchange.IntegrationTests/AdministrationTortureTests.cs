using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Interchange.Server.Configuration;
using Interchange.Server.Hosting;
using Interchange.Storage.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests;

/// <summary>
/// Seed Q274403 (ARCHITECTURE.md section 4, rules 1 and 5): Exchange's inbound conversion queue
/// deadlocked, and the store hung at shutdown, when many directory changes were imported while
/// routing was being changed. Here, all at once and bounded: a 50,000-entry <c>interchange
/// import</c> (its own process, as an administrator runs it), 20 route changes a second (another
/// writer on the same store, as <c>interchange route</c> is), and SMTP clients sending to local
/// users without pause. In the middle the server is told to stop (SIGTERM): it must stop within
/// its bound; started again, the inbound queue drains (every message that got 250 is in its
/// mailbox exactly once), the import finishes, and the watchdog reported no lock wait in either run.
/// </summary>
public sealed class AdministrationTortureTests(ITestOutputHelper output)
{
    private const string Domain = "q274403.test";
    private const string Password = "torture-secret-1";
    private const int Users = 20;
    private const int Clients = 6;
    private const int BulkUsers = 40_000;
    private const int BulkAliases = 5_000;
    private const int BulkGroups = 4_990;
    private const int BulkDomains = 10;
    private const int RouteChangesPerSecond = 20;

    private static readonly TimeSpan ShutdownBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Import_route_changes_and_mail_at_once_drain_without_lock_waits_and_stop_within_bound()
    {
        using var data = new ScratchFolder();
        var environment = new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = Domain,
            ["INTERCHANGE__ShutdownTimeout"] = ShutdownBound.ToString(),
            ["INTERCHANGE__Transport__PollInterval"] = "00:00:00.500",
            ["INTERCHANGE__Transport__RoutePollInterval"] = "00:00:00.200",
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Storage__LockWaitWarning"] = "00:00:01",
        };

        System.IO.Directory.CreateDirectory(data.Path); // the input files sit beside the store

        // The users that receive the load, with passwords, imported first (small and quick).
        var small = Path.Combine(data.Path, "users.csv");
        var hash = new Interchange.Directory.Passwords.PasswordHasher(1000).Hash(Password);
        await File.WriteAllTextAsync(small, "type,address,password_hash\n" + string.Concat(Enumerable.Range(0, Users).Select(i => $"user,user{i}@{Domain},{hash}\n")));
        var bulk = Path.Combine(data.Path, "bulk.csv");
        var entries = WriteBulkCsv(bulk);
        entries.ShouldBeGreaterThanOrEqualTo(50_000);

        var logs = new List<string>();
        var stopFile = Path.Combine(data.Path, "stop-load");
        var portFile = Path.Combine(data.Path, "smtp-port");
        Task<ExternalProcess.Result> load;
        Task<ExternalProcess.Result> import;
        Task<int> churn;
        using var stopChurn = new CancellationTokenSource();
        var churned = new System.Runtime.CompilerServices.StrongBox<int>();
        await using (var first = await ServerProcess.StartAsync(data.Path, ["smtp", "imap", "http"], environment: environment))
        {
            var imported = await InterchangeBinary.CliAsync(data.Path, null, "import", small);
            imported.ExitCode.ShouldBe(0, ExternalProcess.Describe(imported));

            await File.WriteAllTextAsync(portFile, first.Port("smtp").ToString(CultureInfo.InvariantCulture));
            load = ExternalProcess.RunAsync("python3", [
                Path.Combine(AppContext.BaseDirectory, "Clients", "admin_load.py"),
                portFile, Domain, $"{Users}", $"{Clients}", stopFile,
            ], timeout: TimeSpan.FromMinutes(8));
            import = ExternalProcess.RunAsync("dotnet", InterchangeBinary.Command("import", bulk, "--batch", "500", "--data", data.Path), timeout: TimeSpan.FromMinutes(8));
            churn = ChurnRoutesAsync(data.Path, churned, stopChurn.Token);

            // The middle: the import well under way, mail flowing, routes changing.
            var waited = Stopwatch.StartNew();
            while (await CountUsersAsync(data.Path) < 10_000 && !import.IsCompleted && waited.Elapsed < TimeSpan.FromMinutes(4))
            {
                await Task.Delay(250);
            }

            import.IsCompleted.ShouldBeFalse("the stop must come in the middle of the import");
            churn.IsCompleted.ShouldBeFalse(churn.IsFaulted ? churn.Exception!.ToString() : "route changes run on");
            var stopping = Stopwatch.StartNew();
            first.Terminate();
            var stopped = await first.WaitForExitAsync(StopWait);
            output.WriteLine($"first run stopped in {stopping.Elapsed.TotalSeconds:F1} s (bound {ShutdownBound.TotalSeconds} s)");
            logs.AddRange(first.Stderr);
            stopped.ShouldBeTrue($"interchange serve must stop within its bound while importing, routing and receiving; waited {StopWait.TotalSeconds} s\n{string.Join('\n', first.Stderr.TakeLast(30))}");
            stopping.Elapsed.ShouldBeLessThan(ShutdownBound + TimeSpan.FromSeconds(5));
        }

        // Started again while the import and the route changes go on; the load clients reconnect.
        await using var second = await ServerProcess.StartAsync(data.Path, ["smtp", "imap", "http"], environment: environment);
        await File.WriteAllTextAsync(portFile, second.Port("smtp").ToString(CultureInfo.InvariantCulture));
        var importResult = await import;
        importResult.ExitCode.ShouldBe(0, ExternalProcess.Describe(importResult));
        output.WriteLine(importResult.Stdout.Trim());
        // Routes go on changing (and mail flowing) until 10 s of changes have been made in all.
        var more = Stopwatch.StartNew();
        while (Volatile.Read(ref churned.Value) < RouteChangesPerSecond * 10 && !churn.IsCompleted && more.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(100);
        }

        await stopChurn.CancelAsync();
        var changes = await churn;
        await File.WriteAllTextAsync(stopFile, "stop");
        var loadResult = await load;
        loadResult.ExitCode.ShouldBe(0, ExternalProcess.Describe(loadResult));
        using var json = JsonDocument.Parse(loadResult.Stdout);
        var acked = json.RootElement.GetProperty("acked").EnumerateArray().Select(e => e.GetString()!).ToList();
        output.WriteLine($"{acked.Count} messages acknowledged, {json.RootElement.GetProperty("failed").GetInt32()} attempts not; {changes} route changes");
        acked.Count.ShouldBeGreaterThan(100);

        // The inbound queue drains: every acknowledged message in its mailbox, none twice.
        List<string> stored = [];
        var deadline = Stopwatch.StartNew();
        do
        {
            stored = await StoredIdsAsync(second.Port("imap"));
            if (acked.ToHashSet().IsSubsetOf(stored))
            {
                break;
            }

            await Task.Delay(1000);
        }
        while (deadline.Elapsed < TimeSpan.FromMinutes(3));

        acked.Except(stored).ShouldBeEmpty("every message that got 250 is delivered");
        stored.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key).ShouldBeEmpty("no message is delivered twice");

        // The whole import is there, once.
        (await CountUsersAsync(data.Path)).ShouldBe(Users + BulkUsers + 1, "the load's users, the bulk users and the first start's postmaster");

        // The watchdog: no wait on the store's writer (or SQLite's lock) over its threshold, in either run.
        logs.AddRange(second.Stderr);
        logs.Where(l => l.Contains("lock wait", StringComparison.OrdinalIgnoreCase)).ShouldBeEmpty();
        var metrics = await ExternalProcess.RunAsync("curl", ["-sf", $"http://127.0.0.1:{second.Port("http")}/metrics"]);
        metrics.ExitCode.ShouldBe(0, ExternalProcess.Describe(metrics));
        metrics.Stdout.Split('\n').Where(l => l.StartsWith("interchange_store_lock_waits", StringComparison.Ordinal) && !l.TrimEnd().EndsWith(" 0", StringComparison.Ordinal)).ShouldBeEmpty();
        changes.ShouldBeGreaterThanOrEqualTo(RouteChangesPerSecond * 10);
    }

    /// <summary>The bulk file: domains, users without a password (must set one), aliases to them, groups of two.</summary>
    private static int WriteBulkCsv(string path)
    {
        var csv = new StringBuilder("type,address,password_hash,disabled,role,targets\n");
        var count = 0;
        for (var d = 0; d < BulkDomains; d++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"domain,bulk{d}.test,,,,\n");
            count++;
        }

        for (var i = 0; i < BulkUsers; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"user,u{i}@bulk{i % BulkDomains}.test,,,,\n");
            count++;
        }

        for (var i = 0; i < BulkAliases; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"alias,a{i}@bulk{i % BulkDomains}.test,,,,u{i}@bulk{i % BulkDomains}.test\n");
            count++;
        }

        for (var i = 0; i < BulkGroups; i++)
        {
            var a = i * 2 % BulkUsers;
            var b = (i * 2 + 1) % BulkUsers;
            csv.Append(CultureInfo.InvariantCulture, $"group,g{i}@bulk{i % BulkDomains}.test,,,,u{a}@bulk{a % BulkDomains}.test u{b}@bulk{b % BulkDomains}.test\n");
            count++;
        }

        File.WriteAllText(path, csv.ToString());
        return count;
    }

    /// <summary>
    /// Twenty route changes a second from another process's point of view: this test opens the
    /// store as the CLI does and adds or removes a route each time, as <c>interchange route</c> would.
    /// </summary>
    private static async Task<int> ChurnRoutesAsync(string dataPath, System.Runtime.CompilerServices.StrongBox<int> churned, CancellationToken cancellationToken)
    {
        var folder = DataFolder.Resolve(dataPath);
        var options = new InterchangeOptions();
        await using var store = await StoreServices.OpenAsync(folder, options, NullLogger.Instance, migrate: false, CancellationToken.None);
        var changes = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / RouteChangesPerSecond));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var space = $"churn{changes / 2 % 50}.example";
                if (changes % 2 == 0)
                {
                    await store.Backend.Routes.AddAsync(new RouteRecord(space, "smtp", 10 + changes % 7, SmartHost: "[127.0.0.1]:1"), CancellationToken.None);
                }
                else
                {
                    await store.Backend.Routes.RemoveAsync(space, null, CancellationToken.None);
                }

                changes++;
                Volatile.Write(ref churned.Value, changes);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return changes;
    }

    private static async Task<int> CountUsersAsync(string dataPath)
    {
        await using var store = await StoreServices.OpenAsync(DataFolder.Resolve(dataPath), new InterchangeOptions(), NullLogger.Instance, migrate: false, CancellationToken.None);
        return (await store.DirectoryStore.ListUsersAsync(null, CancellationToken.None)).Count;
    }

    private static Task<List<string>> StoredIdsAsync(int port) => StoredLoadIds.ReadAsync(port, Users, Domain, Password);
}
