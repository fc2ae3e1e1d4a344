using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Interchange.Mime.Parsing;
using Interchange.Smtp.Delivery;
using Interchange.Storage.Blobs;
using Interchange.Storage.Changes;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Transport;
using Interchange.Transport.Dns;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// Seed Q184524 end to end (issue 10, rule 2): the SMTP connector's 16 workers and a gateway
/// connector's 16 workers, every one woken for every message, take 20,000 messages through the
/// real queue to two <c>smtp-sink</c> processes (Postfix's test server) and 5,000 to the
/// gateway's drop folder, while the route for the sinks' domain flips between the two sinks
/// every few milliseconds. Every message must leave exactly once (counted in the sinks' dump
/// files and the folder's files by a sequence header), and the queue must drain: nothing stuck.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RelayTortureTests(ITestOutputHelper output)
{
    private const int Messages = 20_000;
    private const int GatewayMessages = 5_000;
    private const string GatewayDomain = "gw.test";
    private const int Workers = 16;
    private const string Domain = "sink.test";

    [Fact]
    public async Task SmtpAndGatewayConnectors_Q184524_SixteenWorkersEachWokenForEveryMessage_RouteFlipping_EachMessageLeavesExactlyOnce()
    {
        using var temp = new TempDirectory();
        var dumps = Path.Combine(temp.Path, "sinks");
        System.IO.Directory.CreateDirectory(dumps);
        File.SetUnixFileMode(dumps, (UnixFileMode)0x1FF);
        using var sinkA = StartSink("127.0.0.70", dumps, "a");
        using var sinkB = StartSink("127.0.0.71", dumps, "b");

        var files = new FileBlobStore(Path.Combine(temp.Path, "blobs"));
        await using var backend = await SqliteStoreBackend.OpenAsync(new SqliteOptions { Path = Path.Combine(temp.Path, "store.db") }, files, new MailboxEvents(new InProcessChangeFeed()));
        var newMessages = new QueueSignal();
        var deliveries = new QueueSignal();
        var options = new TransportOptions { CategorizerWorkers = 2, PollInterval = TimeSpan.FromMilliseconds(200), RetryJitter = 0, MinimalBackoff = TimeSpan.FromSeconds(1), MaximalBackoff = TimeSpan.FromSeconds(2) };
        var routes = new RoutingTable(initial: Snapshot(0, "127.0.0.70"));
        var acceptor = new MessageAcceptor(files, backend.Queue, newMessages, inlineMessageSize: 4096);
        var categorizer = new Categorizer(backend.Queue, new Interchange.Directory.Resolution.RecipientResolver(backend.Directory), routes, backend.Contents, newMessages, deliveries, options, NullLogger<Categorizer>.Instance);
        var delivery = new SmtpDeliveryOptions { Workers = Workers, HeloName = "relay.test", ConnectionCacheTime = TimeSpan.FromSeconds(2), Lease = TimeSpan.FromMinutes(2) };
        await using var connector = new SmtpConnector(backend.Queue, backend.Contents, new MxResolver(new NoDns(), options.Mx), routes, deliveries, null, options, delivery, "torture", NullLogger<SmtpConnector>.Instance);

        var drop = Path.Combine(temp.Path, "drop");
        System.IO.Directory.CreateDirectory(drop);
        var gateway = new Interchange.Transport.Gateway.GatewayConnector(new Interchange.Transport.Gateway.GatewayOptions { Name = "ccmail", DropFolder = drop, Workers = Workers }, backend.Queue, backend.Contents, routes, deliveries, null, options, "torture", NullLogger<Interchange.Transport.Gateway.GatewayConnector>.Instance);

        using var stop = new CancellationTokenSource();
        var workers = new List<Task>
        {
            categorizer.RunWorkerAsync(0, 2, stop.Token),
            categorizer.RunWorkerAsync(1, 2, stop.Token),
        };
        workers.AddRange(Enumerable.Range(0, Workers).Select(i => connector.RunWorkerAsync(i, Workers, stop.Token)));
        workers.AddRange(Enumerable.Range(0, Workers).Select(i => gateway.RunWorkerAsync(i, Workers, stop.Token)));

        // The route flips between the sinks while everything runs: each attempt keeps the route it started with.
        long flips = 0;
        var flipper = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var version = Interlocked.Increment(ref flips);
                routes.Publish(Snapshot(version, version % 2 == 0 ? "127.0.0.70" : "127.0.0.71"));
                await Task.Delay(5);
            }
        });

        var clock = Stopwatch.StartNew();
        // Every fifth message goes to the gateway: 20,000 to the sinks, 5,000 to the folder.
        await Parallel.ForEachAsync(Enumerable.Range(0, Messages + GatewayMessages), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
        {
            await using var writer = acceptor.BeginMessage();
            await writer.WriteAsync(Encoding.ASCII.GetBytes($"X-Seq: {i}\r\nSubject: relay {i}\r\n\r\nbody {i}\r\n"), token);
            var domain = i % 5 == 4 ? GatewayDomain : Domain;
            await acceptor.CommitAsync(writer, new Envelope("sender@relay.test", [new QueuedRecipient($"r{i % 7}@{domain}")], "torture"), token);
            deliveries.Pulse(); // wake every worker again: only one may take each message
        });
        var accepted = clock.Elapsed;

        // Drained: nothing left in the queue, bounded.
        var deadline = Stopwatch.StartNew();
        QueueStatistics statistics;
        while (true)
        {
            statistics = await backend.Queue.StatisticsAsync();
            if ((statistics.NewMessages + statistics.RoutedMessages == 0) || deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                break;
            }

            await Task.Delay(250);
        }

        var drained = clock.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        await flipper; // the queue drained: every outcome recorded, so each sink wrote its message before its 250

        var seen = new ConcurrentDictionary<int, int>();
        var perSink = new ConcurrentDictionary<string, int>();
        foreach (var file in System.IO.Directory.EnumerateFiles(dumps, "*", SearchOption.AllDirectories).Concat(System.IO.Directory.EnumerateFiles(drop, "*.eml")))
        {
            var sink = file.StartsWith(drop, StringComparison.Ordinal) ? "gateway" : Path.GetFileName(Path.GetDirectoryName(file)!);
            perSink.AddOrUpdate(sink, 1, (_, n) => n + 1);
            foreach (var line in File.ReadLines(file))
            {
                if (line.StartsWith("X-Seq: ", StringComparison.Ordinal))
                {
                    seen.AddOrUpdate(int.Parse(line[7..], System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                    break;
                }
            }
        }

        output.WriteLine($"accepted {Messages + GatewayMessages} in {accepted.TotalSeconds:F1} s, drained at {drained.TotalSeconds:F1} s; route flips {Interlocked.Read(ref flips)}; per sink {string.Join(", ", perSink.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"))}; queue new {statistics.NewMessages} routed {statistics.RoutedMessages} failed {statistics.FailedDeliveries}");
        var duplicates = seen.Where(s => s.Value > 1).Select(s => s.Key).Take(10).ToList();
        var missing = Enumerable.Range(0, Messages + GatewayMessages).Where(i => !seen.ContainsKey(i)).Take(10).ToList();
        output.WriteLine($"distinct {seen.Count}, duplicated {seen.Count(s => s.Value > 1)}, missing {Messages + GatewayMessages - seen.Count}");
        duplicates.ShouldBeEmpty("no message may be sent twice");
        missing.ShouldBeEmpty("every message must leave");
        (statistics.NewMessages + statistics.RoutedMessages).ShouldBe(0, "nothing stuck in the queue");
        perSink.GetValueOrDefault("gateway").ShouldBe(GatewayMessages, "one file per gateway message");
        (perSink.GetValueOrDefault("a") + perSink.GetValueOrDefault("b")).ShouldBe(Messages);
        string.Join(",", perSink.Keys.Order()).ShouldBe("a,b,gateway", "the route changes sent mail to both sinks");
    }

    private static RoutingSnapshot Snapshot(long version, string sink) =>
        new(
            [
                RouteEntry.Create(Domain, RoutingTable.SmtpConnector, 1, $"[{sink}]:2525", "opportunistic", null, RouteSource.Configuration),
                RouteEntry.Create(GatewayDomain, "ccmail", 1, null, null, null, RouteSource.Configuration),
            ],
            version);

    private static SinkProcess StartSink(string address, string dumps, string name)
    {
        var folder = Path.Combine(dumps, name);
        System.IO.Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0x1FF);
        var start = new ProcessStartInfo("/usr/sbin/smtp-sink") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-u", "nobody", "-d", Path.Combine(folder, "%H%M."), $"{address}:2525", "256" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("smtp-sink did not start");
        var ready = Stopwatch.StartNew();
        while (ready.Elapsed < TimeSpan.FromSeconds(10))
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                probe.Connect(address, 2525);
                return new SinkProcess(process);
            }
            catch (System.Net.Sockets.SocketException)
            {
                Thread.Sleep(50);
            }
        }

        process.Kill();
        throw new InvalidOperationException($"smtp-sink on {address}:2525 did not listen: {process.StandardError.ReadToEnd()}");
    }

    private sealed class SinkProcess(Process process) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                process.Kill();
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }
    }

    /// <summary>Routes here name address literals: the resolver is never asked.</summary>
    private sealed class NoDns : IDnsResolver
    {
        public Task<DnsLookup<DnsMxRecord>> GetMxAsync(string domain, CancellationToken cancellationToken) => throw new InvalidOperationException("no DNS here");

        public Task<DnsLookup<System.Net.IPAddress>> GetAddressesAsync(string host, System.Net.Sockets.AddressFamily family, CancellationToken cancellationToken) => throw new InvalidOperationException("no DNS here");

        public Task<DnsLookup<string>> GetTxtAsync(string name, CancellationToken cancellationToken) => throw new InvalidOperationException("no DNS here");

        public Task<DnsLookup<DnsTlsaRecord>> GetTlsaAsync(string name, CancellationToken cancellationToken) => throw new InvalidOperationException("no DNS here");

        public Task<DnsLookup<string>> GetPtrAsync(System.Net.IPAddress address, CancellationToken cancellationToken) => throw new InvalidOperationException("no DNS here");
    }
}
