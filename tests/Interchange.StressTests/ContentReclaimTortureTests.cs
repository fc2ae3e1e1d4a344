using System.Collections.Concurrent;
using System.Text;
using Dapper;
using Interchange.Directory.Resolution;
using Interchange.Storage;
using Interchange.Storage.Blobs;
using Interchange.Storage.Changes;
using Interchange.Storage.Content;
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
/// Issue 9, point 5: the content collector races delivery, APPEND, COPY/MOVE and EXPUNGE with no
/// grace at all (the harshest setting: anything unreferenced for an instant may go), over a small
/// pool of bodies, so the same content is accepted again, appended again and copied while its
/// last reference is being expunged and collected. Nothing that a mailbox or the queue refers to
/// may ever lose its content; a reference to content just taken is refused (the client retries),
/// never committed; and once everything is expunged, nothing is left.
/// </summary>
public sealed class ContentReclaimTortureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(8);
    private static readonly string[] Users = ["u0@example.test", "u1@example.test", "u2@example.test"];

    [Fact]
    public async Task Collection_RacingDeliveryAppendCopyExpunge_NeverTakesReferencedContent_AndLeavesNothingAtTheEnd()
    {
        using var temp = new TempDirectory();
        var files = new FileBlobStore(Path.Combine(temp.Path, "blobs"));
        await using var backend = await SqliteStoreBackend.OpenAsync(new SqliteOptions { Path = Path.Combine(temp.Path, "store.db") }, files, new MailboxEvents(new InProcessChangeFeed()));
        await backend.Directory.AddDomainAsync("example.test");
        foreach (var user in Users)
        {
            await backend.Directory.AddUserAsync(user, user, "example.test", null);
            await backend.Mail.EnsureDefaultMailboxesAsync(user);
            await backend.Mail.CreateMailboxAsync(user, "Keep");
        }

        var collector = backend.CreateCollector(new ContentCollectionOptions { Grace = TimeSpan.Zero, Batch = 8 });
        var newMessages = new QueueSignal();
        var deliveries = new QueueSignal();
        var options = new TransportOptions { CategorizerWorkers = 2, LocalDeliveryWorkers = 2, PollInterval = TimeSpan.FromMilliseconds(50) };
        var acceptor = new MessageAcceptor(files, backend.Queue, newMessages, inlineMessageSize: 4096);
        var categorizer = new Categorizer(backend.Queue, new RecipientResolver(backend.Directory), new RoutingTable(), backend.Contents, newMessages, deliveries, options, NullLogger<Categorizer>.Instance);
        var local = new LocalConnector(backend.Queue, backend.Mail, backend.Directory, deliveries, options, NullLogger<LocalConnector>.Instance);

        // Sixty bodies, half inline and half files: every one is accepted and appended many times,
        // and often has no reference left for a moment.
        var bodies = Enumerable.Range(0, 60).Select(i => Body(i, i % 2 == 0 ? 600 : 20_000)).ToArray();
        using var stop = new CancellationTokenSource();
        var workers = new List<Task>
        {
            categorizer.RunWorkerAsync(0, 2, stop.Token),
            categorizer.RunWorkerAsync(1, 2, stop.Token),
            local.RunWorkerAsync(0, 2, stop.Token),
            local.RunWorkerAsync(1, 2, stop.Token),
        };

        long accepted = 0, appended = 0, refused = 0, expunged = 0, copied = 0, reclaimed = 0, passes = 0;
        var problems = new ConcurrentQueue<string>();
        using var actors = new CancellationTokenSource(Duration);
        async Task Loop(int seed, Func<Random, Task> step)
        {
            var random = new Random(seed);
            while (!actors.IsCancellationRequested)
            {
                try
                {
                    await step(random);
                }
                catch (StoreException ex) when (ex.IsUnavailable)
                {
                    Interlocked.Increment(ref refused); // content taken under us: a client would retry
                }
                catch (MailStoreException)
                {
                    // A message expunged by another actor meanwhile: the race is the point.
                }
            }
        }

        var actorTasks = new[]
        {
            // Delivery through the real accept path: SMTP's DATA as MessageAcceptor stages it.
            Loop(1, async r =>
            {
                var body = bodies[r.Next(bodies.Length)];
                await using var writer = acceptor.BeginMessage();
                await writer.WriteAsync(body);
                await acceptor.CommitAsync(writer, new Envelope("sender@remote.test", [new QueuedRecipient(Users[r.Next(Users.Length)])], "torture [127.0.0.1]"), CancellationToken.None);
                Interlocked.Increment(ref accepted);
            }),

            // APPEND: the file is written first (or found written), referenced in a later transaction.
            Loop(2, async r =>
            {
                var blob = await files.WriteAsync(new MemoryStream(bodies[(r.Next(bodies.Length / 2) * 2) + 1]));
                await backend.Mail.AppendAsync(Users[r.Next(Users.Length)], r.Next(2) == 0 ? "INBOX" : "Keep", blob, [], DateTimeOffset.UtcNow);
                Interlocked.Increment(ref appended);
            }),

            Loop(3, async r =>
            {
                var (user, mailbox) = (Users[r.Next(Users.Length)], r.Next(2) == 0 ? "INBOX" : "Keep");
                var snapshot = await backend.Mail.SnapshotAsync(user, mailbox);
                if (snapshot is { Messages.Count: > 0 })
                {
                    var uids = snapshot.Messages.Where(_ => r.Next(2) == 0).Select(m => m.Uid).ToList();
                    await backend.Mail.StoreFlagsAsync(snapshot.Id, uids, FlagChange.Add, [@"\Deleted"]);
                    Interlocked.Add(ref expunged, (await backend.Mail.ExpungeAsync(snapshot.Id, uids)).Count);
                }
            }),

            Loop(4, async r =>
            {
                var user = Users[r.Next(Users.Length)];
                var (from, to) = r.Next(2) == 0 ? ("INBOX", "Keep") : ("Keep", "INBOX");
                var snapshot = await backend.Mail.SnapshotAsync(user, from);
                if (snapshot is { Messages.Count: > 0 })
                {
                    List<long> uids = [snapshot.Messages[r.Next(snapshot.Messages.Count)].Uid];
                    await backend.Mail.CopyAsync(snapshot.Id, uids, user, to, move: r.Next(2) == 0);
                    Interlocked.Add(ref copied, uids.Count);
                }
            }),

            // The collector, as hard as it can go; now and then the orphan search too, which with
            // no grace nominates files written a moment ago and not yet referenced.
            Loop(5, async r =>
            {
                if (r.Next(20) == 0)
                {
                    await collector.FindOrphansAsync();
                }

                Interlocked.Add(ref reclaimed, (await collector.CollectAsync()).Reclaimed);
                Interlocked.Increment(ref passes);
                await CheckEveryReferenceAsync(backend, problems);
            }),
        };
        await Task.WhenAll(actorTasks).WaitAsync(TimeSpan.FromSeconds(120));

        // Let the queue drain (bounded), then stop the workers.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        QueueStatistics stats;
        while ((stats = await backend.Queue.StatisticsAsync()) is not { NewMessages: 0, RoutedMessages: 0, PendingDeliveries: 0 } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
        await CheckEveryReferenceAsync(backend, problems);
        output.WriteLine($"accepted {accepted}, appended {appended}, refused {refused}, expunged {expunged}, copied {copied}; {passes} collector passes reclaimed {reclaimed}");

        problems.ShouldBeEmpty("every message and queue entry can read its whole content, whatever was collected meanwhile");
        (stats.NewMessages, stats.RoutedMessages, stats.PendingDeliveries, stats.FailedDeliveries).ShouldBe((0, 0, 0, 0), "every accepted message was delivered");
        new[] { accepted, appended, expunged, copied }.ShouldAllBe(n => n > 0, "every actor did its part");
        reclaimed.ShouldBeGreaterThan(0, "the collector did take content while the others ran");

        // Everything expunged: the collector leaves nothing behind.
        foreach (var user in Users)
        {
            foreach (var mailbox in new[] { "INBOX", "Keep" })
            {
                var snapshot = (await backend.Mail.SnapshotAsync(user, mailbox))!;
                var uids = snapshot.Messages.Select(m => m.Uid).ToList();
                await backend.Mail.StoreFlagsAsync(snapshot.Id, uids, FlagChange.Add, [@"\Deleted"]);
                await backend.Mail.ExpungeAsync(snapshot.Id, uids);
            }
        }

        await collector.FindOrphansAsync();
        await collector.CollectAsync();
        files.Enumerate().ShouldBeEmpty();
        var left = await CountAsync(temp, "SELECT (SELECT count(*) FROM message_contents) + (SELECT count(*) FROM message_structures) + (SELECT count(*) FROM content_releases)");
        left.ShouldBe(0, "no inline content, structure or release left");
    }

    private static byte[] Body(int i, int size)
    {
        var head = $"From: sender@remote.test\r\nSubject: body {i}\r\nMessage-ID: <body{i}@remote.test>\r\n\r\n";
        return Encoding.ASCII.GetBytes(head + new string((char)('a' + (i % 26)), size - head.Length - 2) + "\r\n");
    }

    /// <summary>Every message row and queue entry: its content opens and reads whole, with the bytes its id names.</summary>
    private static async Task CheckEveryReferenceAsync(SqliteStoreBackend backend, ConcurrentQueue<string> problems)
    {
        var references = await backend.Database.ReadAsync(c => c.Query<(string Blob, long Length)>(
            "SELECT blob, size - length(prefix) FROM messages UNION SELECT blob, size FROM queue_messages").ToList());
        foreach (var (hex, length) in references)
        {
            if (!BlobId.TryParse(hex, out var id))
            {
                problems.Enqueue($"malformed id {hex}");
                continue;
            }

            try
            {
                using var content = backend.Contents.Open(new BlobRef(id, length));
                var bytes = new byte[length];
                var read = 0;
                int n;
                while (read < bytes.Length && (n = await content.ReadAsync(read, bytes.AsMemory(read))) > 0)
                {
                    read += n;
                }

                if (read != length || BlobId.Of(bytes) != id)
                {
                    problems.Enqueue($"{hex}: read {read} of {length} bytes, or not the bytes it names");
                }
            }
            catch (Exception ex) when (ex is IOException)
            {
                // The row may have gone since it was listed: only a reference that still exists is a loss.
                if (await backend.Database.ReadAsync(c => c.ExecuteScalar<long>("SELECT EXISTS (SELECT 1 FROM messages WHERE blob = @hex) OR EXISTS (SELECT 1 FROM queue_messages WHERE blob = @hex)", new { hex })) != 0)
                {
                    problems.Enqueue($"{hex}: referenced, but its content is gone ({ex.GetType().Name})");
                }
            }
        }
    }

    private static async Task<long> CountAsync(TempDirectory temp, string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(temp.Path, "store.db")}");
        await connection.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
