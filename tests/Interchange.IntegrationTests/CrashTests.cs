using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests;

/// <summary>
/// ARCHITECTURE.md section 5: kill -9 in the middle of an SMTP load, restart, and every message
/// that got 250 is delivered exactly once; messages that did not get 250 may or may not have
/// been stored (the client will retry them), but none is stored twice.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Users = 10;
    private const int Count = 3000;
    private const int Threads = 16;

    [Fact]
    public async Task KillNine_MidLoad_EveryAcknowledgedMessageIsDeliveredExactlyOnce_AfterRestart()
    {
        using var data = new ScratchFolder();
        var environment = new Dictionary<string, string> { ["INTERCHANGE__PrimaryDomain"] = "crash.test", ["INTERCHANGE__Transport__PollInterval"] = "00:00:00.500" };
        var ackFile = Path.Combine(Path.GetTempPath(), $"interchange-acks-{Guid.NewGuid():N}.txt");
        int port;
        Task<ExternalProcess.Result> load;
        await using (var server = await ServerProcess.StartAsync(data.Path, ["smtp", "http"], environment: environment))
        {
            for (var i = 0; i < Users; i++)
            {
                (await InterchangeBinary.CliAsync(data.Path, null, "user", "add", $"user{i}@crash.test")).ExitCode.ShouldBe(0);
            }

            port = server.Port("smtp");
            load = ExternalProcess.RunAsync("python3", [Path.Combine(AppContext.BaseDirectory, "Clients", "smtp_load.py"), $"{port}", $"{Count}", $"{Threads}", $"{Users}", "crash.test", ackFile], timeout: TimeSpan.FromMinutes(5));

            // Let a good part of the load be acknowledged, then pull the plug.
            var watch = Stopwatch.StartNew();
            while (AckCount(ackFile) < Count / 4 && watch.Elapsed < TimeSpan.FromMinutes(2) && !load.IsCompleted)
            {
                await Task.Delay(20);
            }

            server.Kill();
        }

        var loadResult = await load;
        loadResult.ExitCode.ShouldBe(0, ExternalProcess.Describe(loadResult));
        var acknowledged = File.ReadAllLines(ackFile).Select(int.Parse).ToHashSet();
        File.Delete(ackFile);

        // Restart on the same folder; the queue must drain by itself.
        await using (var restarted = await ServerProcess.StartAsync(data.Path, ["smtp", "http"], environment: environment))
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            string status;
            do
            {
                await Task.Delay(250);
                status = (await InterchangeBinary.CliAsync(data.Path, null, "queue", "status")).Stdout;
            }
            while (!Drained(status) && DateTime.UtcNow < deadline);
            Drained(status).ShouldBeTrue(status);
        }

        var delivered = DeliveredIds(data.Path);
        var duplicates = delivered.GroupBy(d => d.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var missing = acknowledged.Where(id => !delivered.Any(d => d.Id == id)).ToList();
        var wrongBox = delivered.Where(d => d.User != $"user{d.Id % Users}@crash.test").ToList();
        output.WriteLine($"load: {loadResult.Stdout.Trim()}; acknowledged {acknowledged.Count}, delivered {delivered.Count} ({delivered.Count - acknowledged.Count} stored but not acknowledged), duplicated {duplicates.Count}, missing {missing.Count}");

        acknowledged.Count.ShouldBeGreaterThan(0);
        missing.ShouldBeEmpty("every message that got 250 is delivered");
        duplicates.ShouldBeEmpty("no message is delivered twice");
        wrongBox.ShouldBeEmpty("each message is in its recipient's INBOX");
    }

    private static int AckCount(string file)
    {
        try
        {
            return File.Exists(file) ? File.ReadAllLines(file).Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Whether <c>queue status</c> says nothing is left to route or deliver.</summary>
    internal static bool Drained(string status) =>
        status.Contains("messages waiting for routing: 0", StringComparison.Ordinal)
        && status.Contains("messages routed, not finished: 0", StringComparison.Ordinal)
        && status.Contains("deliveries pending: 0 ", StringComparison.Ordinal);

    /// <summary>Reads the store directly: each stored message's X-Load-Id and mailbox owner.</summary>
    private static List<(int Id, string User)> DeliveredIds(string data)
    {
        SQLitePCL.Batteries_V2.Init();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "store.db")};Mode=ReadOnly");
        connection.Open();
        // A small message's content is inline in the database (Storage:InlineMessageSize), a larger one a file blob.
        var rows = connection.Query<(string User, string Blob, byte[]? Inline)>("""
            SELECT m.user_key, x.blob, c.data FROM messages x JOIN mailboxes m ON m.id = x.mailbox_id
            LEFT JOIN message_contents c ON c.id = x.blob
            """).ToList();
        return rows.Select(r =>
        {
            var text = r.Inline is { } inline ? System.Text.Encoding.ASCII.GetString(inline) : File.ReadAllText(Path.Combine(data, "blobs", r.Blob[..2], r.Blob));
            var line = text.Split("\r\n").First(l => l.StartsWith("X-Load-Id: ", StringComparison.Ordinal));
            return (int.Parse(line["X-Load-Id: ".Length..], System.Globalization.CultureInfo.InvariantCulture), r.User);
        }).ToList();
    }
}
