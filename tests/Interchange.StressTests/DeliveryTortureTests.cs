using System.Collections.Concurrent;
using System.Text;
using Dapper;
using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Directory.Resolution;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Transport;
using Interchange.Transport.Connectors;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// Seed Q184524 ("connector sends messages twice under load": several threads took the same
/// notification as a claim), ARCHITECTURE.md rule 2. 5,000 messages to 50 users go through the
/// real accept path, categorizer and 16 local delivery workers, every worker woken by every
/// message, two on every partition; meanwhile a stalled worker finds deliveries and waits before
/// completing them, by which time most were delivered by others. Every INBOX must end with exactly
/// the messages addressed to it, none twice, in acceptance order (issue 9, point 3).
/// </summary>
public sealed class DeliveryTortureTests(ITestOutputHelper output)
{
    private const int Users = 50;
    private const int Messages = 5000;
    private const int DeliveryWorkers = 16;
    private const int Producers = 8;

    [Fact]
    public async Task LocalDelivery_Q184524_ManyWorkersWokenForEveryMessage_DeliverEachExactlyOnce()
    {
        using var temp = new TempDirectory();
        await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = Path.Combine(temp.Path, "store.db") });
        var directoryStore = new SqliteDirectoryStore(database);
        var directory = new DirectoryService(directoryStore, new PasswordHasher(1000), new DirectoryOptions());
        await directory.AddDomainAsync("example.test");
        var users = Enumerable.Range(0, Users).Select(i => $"user{i}@example.test").ToArray();
        foreach (var user in users)
        {
            await directory.AddUserAsync(user, null);
        }

        // Two overlapping groups: a user reached through both must still get one copy.
        await directory.AddGroupAsync("evens@example.test");
        await directory.AddGroupAsync("lows@example.test");
        for (var i = 0; i < Users; i++)
        {
            if (i % 2 == 0)
            {
                await directory.AddGroupMemberAsync("evens@example.test", users[i]);
            }

            if (i < 10)
            {
                await directory.AddGroupMemberAsync("lows@example.test", users[i]);
            }
        }

        var queue = new SqliteQueueStore(database);
        var blobs = new FileBlobStore(Path.Combine(temp.Path, "blobs"));
        var newMessages = new QueueSignal();
        var deliveries = new QueueSignal();
        var mail = new SqliteMailStore(database);
        var options = new TransportOptions { CategorizerWorkers = 4, LocalDeliveryWorkers = DeliveryWorkers, ClaimBatch = 4, PollInterval = TimeSpan.FromMilliseconds(200) };
        var acceptor = new MessageAcceptor(blobs, queue, newMessages);
        var categorizer = new Categorizer(queue, new RecipientResolver(directoryStore), new RoutingTable(), new SqliteContentStore(database, blobs), newMessages, deliveries, options, NullLogger<Categorizer>.Instance);
        var delivery = new LocalConnector(queue, mail, directoryStore, deliveries, options, NullLogger<LocalConnector>.Instance);

        using var stop = new CancellationTokenSource();
        var workers = new List<Task>();
        // Overlapping partitions: two workers on each, so every item is raced for by two workers
        // woken by the same pulse (as in Q184524), besides the stalled worker below.
        for (var i = 0; i < options.CategorizerWorkers; i++)
        {
            workers.Add(categorizer.RunWorkerAsync(i % (options.CategorizerWorkers / 2), options.CategorizerWorkers / 2, stop.Token));
        }

        for (var i = 0; i < DeliveryWorkers; i++)
        {
            workers.Add(delivery.RunWorkerAsync(i % (DeliveryWorkers / 2), DeliveryWorkers / 2, stop.Token));
        }

        // The stalled worker: finds items across all partitions, stalls, then tries to finish them.
        long stalledDelivered = 0, stalledLost = 0;
        var stalled = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var items = await queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 2);
                if (items.Count == 0)
                {
                    await Task.Delay(20);
                    continue;
                }

                await Task.Delay(120); // healthy workers may deliver the items meanwhile
                var delivered = (await mail.DeliverAsync(items.Select(i => new MailboxDelivery(i, LocalConnector.TracePrefix("stalled@x", i.Recipient))).ToList())).Delivered;
                Interlocked.Add(ref stalledDelivered, delivered.Count);
                Interlocked.Add(ref stalledLost, items.Count - delivered.Count);
            }
        });

        // Produce: each message to 1-3 random targets (users, the groups), expectation recorded per user.
        var expected = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        var next = 0;
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
        {
            var random = new Random(184524 + p);
            int n;
            while ((n = Interlocked.Increment(ref next)) <= Messages)
            {
                var targets = Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(Users + 2) switch
                {
                    Users => "evens@example.test",
                    Users + 1 => "lows@example.test",
                    var u => users[u],
                }).ToList();
                var finals = targets.SelectMany(t => t switch
                {
                    "evens@example.test" => users.Where((_, i) => i % 2 == 0),
                    "lows@example.test" => users.Take(10),
                    _ => [t],
                }).ToHashSet();
                var content = Encoding.ASCII.GetBytes($"Subject: torture {n}\r\nX-Torture-Id: {n}\r\n\r\nmessage {n}\r\n");
                await using var writer = acceptor.BeginMessage();
                await writer.WriteAsync(content);
                await acceptor.CommitAsync(writer, new Envelope("sender@remote.test", targets.Select(t => new QueuedRecipient(t)).ToList(), "torture [127.0.0.1]"), CancellationToken.None);
                foreach (var user in finals)
                {
                    expected.GetOrAdd(user, _ => []).Add(BlobId.Of(content).Hex);
                }
            }
        })).ToArray();
        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromSeconds(180));

        // Wait (bounded) for the queue to drain.
        var deadline = DateTime.UtcNow.AddSeconds(180);
        QueueStatistics stats;
        while ((stats = await queue.StatisticsAsync()) is not { NewMessages: 0, RoutedMessages: 0, PendingDeliveries: 0 } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        await stalled.WaitAsync(TimeSpan.FromSeconds(30));

        (stats.NewMessages, stats.RoutedMessages, stats.PendingDeliveries, stats.FailedDeliveries).ShouldBe((0, 0, 0, 0), "the queue drained: every message routed, every delivery done, none failed");

        var stored = await database.ReadAsync(c => c.Query<(string User, long Uid, string Blob, string Key)>(
            "SELECT m.user_key, x.uid, x.blob, x.delivery_key FROM messages x JOIN mailboxes m ON m.id = x.mailbox_id ORDER BY m.user_key, x.uid").ToList());
        var totalExpected = expected.Values.Sum(b => b.Count);
        output.WriteLine($"{Messages} messages, {totalExpected} deliveries expected, {stored.Count} stored; the stalled worker delivered {stalledDelivered} and lost {stalledLost} claims");
        foreach (var user in users)
        {
            var mine = stored.Where(s => s.User == user).ToList();
            var want = expected.GetValueOrDefault(user)?.Order().ToList() ?? [];
            mine.Select(s => s.Blob).Order().ToList().ShouldBe(want, $"{user}'s INBOX holds exactly its messages, each once");
            mine.Select(s => s.Uid).ShouldBe(Enumerable.Range(1, mine.Count).Select(i => (long)i), $"{user}'s UIDs are 1..n, ascending, no gaps");
            var accepted = mine.Select(s => long.Parse(s.Key.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            accepted.ShouldBe(accepted.Order().ToList(), $"{user}'s INBOX is in acceptance (queue id) order");
        }

        stored.Count.ShouldBe(totalExpected);
        (stalledDelivered + stalledLost).ShouldBeGreaterThan(0, "the stalled worker did take part");
        stalledLost.ShouldBeGreaterThan(0, "some of its items were delivered by others meanwhile and its late completions refused");
    }
}
