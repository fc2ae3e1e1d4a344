using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests.Delivery;

/// <summary>
/// Issue 10's crash test for mail out: kill -9 while the SMTP connector is sending to a slow peer
/// (Postfix's smtp-sink, answering each DATA after a second), restart, and let the queue drain.
/// Nothing accepted may be lost; the only duplicates possible are messages the peer took before
/// the outcome was recorded, so they are counted and must not exceed the claims that were in
/// flight at the kill (the restart releases them and says how many).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class OutboundCrashTests(ITestOutputHelper output)
{
    private const int Count = 400;
    private const string Sink = "127.0.0.90";

    [Fact]
    public async Task KillNine_DuringOutboundDelivery_NothingLost_DuplicatesAtMostTheClaimsInFlight()
    {
        using var data = new ScratchFolder();
        using var dumps = new ScratchFolder();
        System.IO.Directory.CreateDirectory(dumps.Path);
        File.SetUnixFileMode(dumps.Path, (UnixFileMode)0x1FF);
        var ackFile = Path.Combine(Path.GetTempPath(), $"interchange-relay-acks-{Guid.NewGuid():N}.txt");
        using var sink = Process.Start(new ProcessStartInfo("/usr/sbin/smtp-sink", ["-u", "nobody", "-w", "1", "-d", Path.Combine(dumps.Path, "%H%M."), $"{Sink}:2525", "256"]) { UseShellExecute = false, RedirectStandardError = true })!;
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["INTERCHANGE__PrimaryDomain"] = "crash.test",
                ["INTERCHANGE__Smtp__RelayNetworks__0"] = "127.0.0.0/8",
                ["INTERCHANGE__Transport__PollInterval"] = "00:00:00.500",
                ["INTERCHANGE__Transport__Routes__0__AddressSpace"] = "far.test",
                ["INTERCHANGE__Transport__Routes__0__Connector"] = "smtp",
                ["INTERCHANGE__Transport__Routes__0__SmartHost"] = $"[{Sink}]:2525",
                ["INTERCHANGE__Transport__NodeName"] = "crash-node",
            };

            int acknowledged;
            await using (var server = await ServerProcess.StartAsync(data.Path, ["smtp", "http"], environment: environment))
            {
                var load = await ExternalProcess.RunAsync("/usr/bin/python3", [Path.Combine(AppContext.BaseDirectory, "Clients", "smtp_load.py"), $"{server.Port("smtp")}", $"{Count}", "8", "10", "far.test", ackFile], timeout: TimeSpan.FromMinutes(3));
                load.ExitCode.ShouldBe(0, ExternalProcess.Describe(load));
                acknowledged = File.ReadAllLines(ackFile).Length;
                acknowledged.ShouldBe(Count, load.Stdout);

                // Some sent, more in flight (the sink takes a second per message): pull the plug.
                var watch = Stopwatch.StartNew();
                while (Delivered(dumps.Path).Count < Count / 10 && watch.Elapsed < TimeSpan.FromMinutes(2))
                {
                    await Task.Delay(50);
                }

                server.Kill();
            }

            var beforeRestart = Delivered(dumps.Path).Count;
            int released;
            await using (var restarted = await ServerProcess.StartAsync(data.Path, ["smtp", "http"], environment: environment))
            {
                var line = await restarted.WaitForLogAsync(l => l.Contains("delivery claims node crash-node held", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
                released = int.Parse(ReleasedCount().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);

                // Drained: every outcome recorded, so every message the sink answered is in its
                // files (it writes a message before its 250), duplicates included.
                var deadline = Stopwatch.StartNew();
                var status = string.Empty;
                while (deadline.Elapsed < TimeSpan.FromMinutes(4))
                {
                    status = (await InterchangeBinary.CliAsync(data.Path, null, "queue", "status")).Stdout;
                    if (CrashTests.Drained(status))
                    {
                        break;
                    }

                    await Task.Delay(250);
                }

                CrashTests.Drained(status).ShouldBeTrue(status);
            }

            var delivered = Delivered(dumps.Path);
            var distinct = delivered.ToHashSet();
            var duplicates = delivered.Count - distinct.Count;
            output.WriteLine($"acknowledged {acknowledged}; at the sink before the restart {beforeRestart}; claims released at restart {released}; delivered {distinct.Count} distinct, {duplicates} duplicates");
            released.ShouldBeGreaterThan(0, "the kill came while deliveries were in flight");
            Enumerable.Range(1, Count).Where(n => !distinct.Contains(n)).ShouldBeEmpty("every accepted message reaches the peer");
            duplicates.ShouldBeLessThanOrEqualTo(released, "a duplicate is only a message the peer took before its outcome was recorded");
        }
        finally
        {
            sink.Kill();
            sink.WaitForExit(5000);
            File.Delete(ackFile);
        }
    }

    /// <summary>The X-Load-Id of every message the sink dumped (one per transaction; one recipient each here).</summary>
    private static List<int> Delivered(string folder)
    {
        var ids = new List<int>();
        foreach (var file in System.IO.Directory.EnumerateFiles(folder))
        {
            try
            {
                foreach (var line in File.ReadLines(file))
                {
                    if (line.StartsWith("X-Load-Id: ", StringComparison.Ordinal))
                    {
                        ids.Add(int.Parse(line["X-Load-Id: ".Length..], CultureInfo.InvariantCulture));
                        break;
                    }
                }
            }
            catch (IOException)
            {
                // Being written.
            }
        }

        return ids;
    }

    [GeneratedRegex(@"Released (\d+) delivery claims")]
    private static partial Regex ReleasedCount();
}
