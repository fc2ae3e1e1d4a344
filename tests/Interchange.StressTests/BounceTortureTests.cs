using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Transport;
using Interchange.Transport.Bounces;
using Interchange.Transport.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// Seed Q184524 for the bounce step (ARCHITECTURE.md rule 2, issue 10 point 4): 16 bounce
/// workers, every one woken for every failure and all starting at the same candidate, with
/// random yields between finding a message and reporting it, so most reports race. Failures
/// arrive while the workers run, some messages in two rounds (a second recipient failing after
/// the first was reported). Every original from a real sender must get exactly one DSN per round
/// of failures, every one from the null sender none, and the queue must drain. Removing the
/// fence/reported check from <c>SqliteQueueStore.ReportAsync</c> makes it fail with duplicates.
/// </summary>
public sealed partial class BounceTortureTests(ITestOutputHelper output)
{
    private const string Smtp = "smtp";
    private const int Messages = 1500;
    private const int Workers = 16;

    [Fact]
    public async Task Bounces_Q184524_EveryWorkerWokenForEveryFailure_EachRoundOfFailuresGetsOneDsn_AndNoBounceOfABounce()
    {
        using var temp = new TempDirectory();
        await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = Path.Combine(temp.Path, "store.db") });
        var contents = new SqliteContentStore(database, new FileBlobStore(Path.Combine(temp.Path, "blobs")));
        var queue = new SqliteQueueStore(database, null, contents);
        var options = new TransportOptions { ClaimBatch = 8, PollInterval = TimeSpan.FromMilliseconds(100), BounceWorkers = Workers };
        var failures = new QueueSignal();
        var generator = new BounceGenerator(Yielding.Over(queue), contents, new DsnBuilder("mx.example.test", options), failures, new QueueSignal(), options, NullLogger<BounceGenerator>.Instance);
        using var stop = new CancellationTokenSource();

        // Queue and route every original first (a DSN queued meanwhile would be new mail too).
        // Half fail whole at once; the other half in two rounds: b first, while a (in slow.test)
        // is being retried, then a: b's DSN must not wait for a, nor may a be reported with b.
        var expected = new Dictionary<long, int>(); // original id -> DSNs it must cause
        var ids = new List<long>();
        for (var n = 0; n < Messages; n++)
        {
            var nullSender = n % 10 == 0;
            var split = n % 2 == 1;
            var content = Encoding.ASCII.GetBytes($"From: <s{n}@example.test>\r\nSubject: torture {n}\r\nX-Torture: {n}\r\n\r\nbody {n}\r\n");
            var recipients = new List<QueuedRecipient> { new(split ? $"a{n}@slow.test" : $"a{n}@far.test"), new($"b{n}@other.test") };
            var id = await queue.EnqueueAsync(new StagedContent(new BlobRef(BlobId.Of(content), content.Length), content), new Envelope(nullSender ? string.Empty : $"s{n}@example.test", recipients, "torture"), DateTimeOffset.UtcNow);
            ids.Add(id);
            expected[id] = nullSender ? 0 : split ? 2 : 1;
        }

        (await queue.RouteAsync((await queue.FindNewAsync(0, 1, Messages)).Select(m => (m, (IReadOnlyList<Route>)m.Envelope.Recipients.Select(r => new Route(r.Address, r.Address, Smtp)).ToList())).ToList())).ShouldBe(Messages);
        var slow = (await queue.ClaimAsync(Smtp, "connector", Messages, TimeSpan.FromMinutes(5), domain: "slow.test")).SelectMany(b => b.Items).ToList();
        (await queue.RecordOutcomeAsync(slow.Select(a => DeliveryOutcome.Deferred(a, DateTimeOffset.UtcNow.AddHours(1), "451 4.3.0 try later")).ToList())).Count.ShouldBe(Messages / 2);

        // workers: 1 for each, so all start at the first candidate: the most races.
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(() => generator.RunWorkerAsync(w, 1, stop.Token))).ToArray();
        var watch = Stopwatch.StartNew();
        var secondRound = new Queue<long>();
        for (var n = 0; n < Messages; n++)
        {
            var split = n % 2 == 1;
            await queue.BounceAsync(split ? new QueueFilter(MessageId: ids[n], ToDomain: "other.test") : QueueFilter.ForMessage(ids[n]));
            if (split)
            {
                secondRound.Enqueue(ids[n]);
            }

            failures.Pulse();
            if (secondRound.Count > 20)
            {
                await queue.BounceAsync(QueueFilter.ForMessage(secondRound.Dequeue()));
                failures.Pulse();
            }
        }

        while (secondRound.TryDequeue(out var id))
        {
            await queue.BounceAsync(QueueFilter.ForMessage(id));
            failures.Pulse();
        }

        // Wait (bounded) until every original has left the queue.
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (await Originals(queue) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));

        // Every DSN is a new message from <>; which original it reports is in its returned copy.
        var dsns = await queue.FindNewAsync(0, 1, 100_000);
        dsns.ShouldAllBe(d => d.Envelope.MailFrom == string.Empty);
        var reportedTimes = new Dictionary<string, int>(StringComparer.Ordinal); // failed recipient -> DSNs naming it
        var dsnsByOriginal = new Dictionary<int, int>();
        foreach (var dsn in dsns)
        {
            var text = await ReadAsync(contents, dsn.Blob);
            var n = int.Parse(TortureHeader().Match(text).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            dsnsByOriginal[n] = dsnsByOriginal.GetValueOrDefault(n) + 1;
            foreach (Match recipient in FinalRecipient().Matches(text))
            {
                reportedTimes[recipient.Groups[1].Value] = reportedTimes.GetValueOrDefault(recipient.Groups[1].Value) + 1;
            }
        }

        var failed = Enumerable.Range(0, Messages).Where(n => n % 10 != 0).SelectMany(n => new[] { n % 2 == 1 ? $"a{n}@slow.test" : $"a{n}@far.test", $"b{n}@other.test" }).ToList();
        output.WriteLine($"{Messages} originals ({Messages / 10} from <>, {Messages / 2} failing in two rounds); {Workers} workers; {dsns.Count} DSNs for {failed.Count} failed recipients in {elapsed.TotalSeconds:F1} s ({dsns.Count / elapsed.TotalSeconds:F0} DSNs/s); originals with two DSNs: {dsnsByOriginal.Count(d => d.Value == 2)}");
        (await Originals(queue)).ShouldBe(0, "every original left the queue once its failures were reported");
        failed.Where(r => reportedTimes.GetValueOrDefault(r) != 1).Select(r => $"{r}: in {reportedTimes.GetValueOrDefault(r)} DSNs").Take(20).ShouldBeEmpty("each failed recipient is in exactly one DSN");
        reportedTimes.Keys.Except(failed).ShouldBeEmpty("no DSN for a message from <>");
        dsnsByOriginal.Values.ShouldAllBe(c => c <= 2);
        dsnsByOriginal.Count(d => d.Value == 2).ShouldBeGreaterThan(Messages / 4, "a recipient retried does not hold the first round's report back");
    }

    private static async Task<int> Originals(SqliteQueueStore queue) => (await queue.StatisticsAsync()).RoutedMessages;

    private static async Task<string> ReadAsync(IMessageContentStore contents, BlobRef blob)
    {
        await using var content = contents.Open(blob);
        var bytes = new byte[content.Length];
        var read = 0;
        while (read < bytes.Length)
        {
            read += await content.ReadAsync(read, bytes.AsMemory(read));
        }

        return Encoding.UTF8.GetString(bytes);
    }

    [GeneratedRegex(@"\r\nX-Torture: (\d+)\r\n")]
    private static partial Regex TortureHeader();

    [GeneratedRegex(@"\r\nFinal-Recipient: rfc822;(\S+)\r\n")]
    private static partial Regex FinalRecipient();

    /// <summary>The queue with a random yield or short sleep before each find and each report: the window between a worker's look and its commit, widened.</summary>
    public class Yielding : DispatchProxy
    {
        private static readonly ThreadLocal<Random> Random = new(() => new Random(Environment.CurrentManagedThreadId));
        private IQueueStore _inner = null!;

        public static IQueueStore Over(IQueueStore inner)
        {
            var proxy = Create<IQueueStore, Yielding>();
            ((Yielding)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod!.Name switch
        {
            nameof(IQueueStore.ReportAsync) => Later(() => (Task<FailureReport>)targetMethod.Invoke(_inner, args)!),
            nameof(IQueueStore.FindUnreportedAsync) => Later(() => (Task<IReadOnlyList<UnreportedMessage>>)targetMethod.Invoke(_inner, args)!),
            _ => targetMethod.Invoke(_inner, args),
        };

        private static async Task<T> Later<T>(Func<Task<T>> call)
        {
            switch (Random.Value!.Next(4))
            {
                case 0:
                    await Task.Yield();
                    break;
                case 1:
                    await Task.Delay(Random.Value!.Next(1, 5));
                    break;
                default:
                    break;
            }

            return await call();
        }
    }
}
