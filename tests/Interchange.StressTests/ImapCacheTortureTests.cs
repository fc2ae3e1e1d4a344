using System.Collections.Concurrent;
using System.Text;
using Interchange.Imap.Fetch;
using Interchange.Imap.Session;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Interchange.Storage.Sqlite;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// Seed Q193215 (a cache handing out what had already been changed), ARCHITECTURE.md rule 3, for
/// the two caches IMAP sessions share: mailbox snapshots (caught up through the store's changes
/// on every use) and parsed message structures (keyed by immutable content).
/// </summary>
public sealed class ImapCacheTortureTests(ITestOutputHelper output)
{
    private const string User = "torture@example.test";
    private const string Mailbox = "Work";
    private const int Readers = 32;
    private const int Writes = 600;

    /// <summary>
    /// One writer changes a mailbox at random (appends, flag changes, expunges, and now and then
    /// deletes and re-creates it) and records after each change the store's exact state, keyed
    /// by (mailbox id, modseq), which names one state. 32 readers meanwhile take snapshots
    /// through a cache small enough to evict. Every snapshot a reader is handed must be exactly
    /// the recorded state for its id and modseq: never a half-caught-up picture, never messages of
    /// a deleted mailbox, never an expunged message.
    /// </summary>
    [Fact]
    public async Task MailboxSnapshotCache_Q193215_EverySnapshotHandedOutIsAnExactStateOfTheStore()
    {
        using var temp = new TempDirectory();
        await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = Path.Combine(temp.Path, "store.db") });
        var store = new SqliteMailStore(database);
        await store.CreateMailboxAsync(User, Mailbox);
        using var cache = new MailboxSnapshotCache(store, messageLimit: 400);

        var truth = new ConcurrentDictionary<(long Id, long ModSeq), string>();
        async Task RecordAsync()
        {
            var now = await store.SnapshotAsync(User, Mailbox);
            if (now is not null)
            {
                truth[(now.Id, now.HighestModSeq)] = Digest(now);
            }
        }

        await RecordAsync();
        var observed = new ConcurrentBag<(long Id, long ModSeq, string Digest, int Reader)>();
        var writing = true;
        long nulls = 0;
        var writer = Task.Run(async () =>
        {
            var random = new Random(193215);
            try
            {
                for (var i = 0; i < Writes; i++)
                {
                    var box = await store.SnapshotAsync(User, Mailbox);
                    if (box is null)
                    {
                        await store.CreateMailboxAsync(User, Mailbox);
                        await RecordAsync();
                        continue;
                    }

                    var roll = random.Next(100);
                    if (roll < 45 || box.Messages.Count == 0)
                    {
                        var content = Encoding.ASCII.GetBytes($"Subject: {i}\r\n\r\nbody {i}\r\n");
                        await store.AppendAsync(User, Mailbox, new BlobRef(BlobId.Of(content), content.Length), random.Next(3) == 0 ? ["\\Seen"] : [], DateTimeOffset.UtcNow);
                    }
                    else if (roll < 80)
                    {
                        var uid = box.Messages[random.Next(box.Messages.Count)].Uid;
                        var flag = random.Next(4) == 0 ? MessageFlags.Deleted : random.Next(2) == 0 ? "\\Seen" : "\\Flagged";
                        await store.StoreFlagsAsync(box.Id, [uid], random.Next(3) == 0 ? FlagChange.Remove : FlagChange.Add, [flag]);
                    }
                    else if (roll < 97)
                    {
                        await store.ExpungeAsync(box.Id);
                    }
                    else
                    {
                        await store.DeleteMailboxAsync(User, Mailbox); // a new one gets a new id
                    }

                    await RecordAsync();
                    if (i % 16 == 0)
                    {
                        await Task.Yield();
                    }
                }
            }
            finally
            {
                Volatile.Write(ref writing, false);
            }
        });

        var readers = Enumerable.Range(0, Readers).Select(r => Task.Run(async () =>
        {
            var reads = 0;
            // Until the writer is done, and then (bounded) until the cache has served a catch-up.
            while ((Volatile.Read(ref writing) || cache.Hits == 0) && reads < 50_000)
            {
                var snapshot = await cache.SnapshotAsync(User, Mailbox);
                if (++reads % 4 == 0)
                {
                    await Task.Delay(1); // keep pace with the writer instead of starving it
                }

                if (snapshot is null)
                {
                    Interlocked.Increment(ref nulls);
                    continue;
                }

                observed.Add((snapshot.Id, snapshot.HighestModSeq, Digest(snapshot), r));
            }

            return reads;
        })).ToArray();

        await writer.WaitAsync(TimeSpan.FromSeconds(120));
        var reads = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"{truth.Count} states written, {reads.Sum()} reads ({nulls} while deleted), cache hits {cache.Hits}, misses {cache.Misses}");

        var wrong = observed.Where(o => !truth.TryGetValue((o.Id, o.ModSeq), out var expected) || expected != o.Digest).Take(5).ToList();
        wrong.ShouldBeEmpty(string.Join(Environment.NewLine, wrong.Select(o =>
            $"reader {o.Reader} got mailbox {o.Id} at modseq {o.ModSeq}: {Clip(o.Digest)}; the store had {(truth.TryGetValue((o.Id, o.ModSeq), out var t) ? Clip(t) : "no such state")}")));
        cache.Hits.ShouldBeGreaterThan(0, "the cache served catch-ups");
        cache.Misses.ShouldBeGreaterThan(1, "evictions and re-creations forced full reads");
        truth.Keys.Select(k => k.Id).Distinct().Count().ShouldBeGreaterThan(1, "the mailbox was deleted and re-created");

        // Quiet now: one more read is exactly the store's current state.
        var last = (await cache.SnapshotAsync(User, Mailbox))!;
        Digest(last).ShouldBe(Digest((await store.SnapshotAsync(User, Mailbox))!));
    }

    /// <summary>
    /// 32 tasks ask for the structures of 240 messages made of 60 blobs under 4 different
    /// prefixes (the same blob delivered to several users gets a prefix each), through a cache
    /// small enough to keep evicting. Every structure handed out must be the one a fresh parse of
    /// exactly that prefix and blob gives: same length, same header block, same subject.
    /// </summary>
    [Fact]
    public async Task MessageStructureCache_Q193215_NeverHandsOutAnotherMessagesStructure()
    {
        var blobs = Enumerable.Range(0, 60).Select(i => Encoding.ASCII.GetBytes($"Subject: blob {i}\r\nX-Pad: {new string('p', i * 7)}\r\n\r\n{new string('b', 50 + (i * 13))}\r\n")).ToArray();
        var prefixes = Enumerable.Range(0, 4).Select(p => p == 0 ? [] : Encoding.ASCII.GetBytes($"Delivered-To: user{p}{new string('x', p * 5)}@example.test\r\n")).ToArray();
        var messages = (from b in Enumerable.Range(0, blobs.Length) from p in Enumerable.Range(0, prefixes.Length) select (Blob: b, Prefix: p)).ToArray();
        string Signature(Interchange.Mime.Parsing.MessageStructure s) => $"{s.Length}/{s.Root.HeaderRange}/{s.Envelope.Subject}/{s.Root.Headers.Count}";
        var expected = messages.ToDictionary(m => m, m => Signature(Fetchable(prefixes[m.Prefix], blobs[m.Blob]).ParseStructure()));

        using var cache = new MessageStructureCache(sizeLimit: 256 * 1024);
        var wrong = new ConcurrentQueue<string>();
        long parses = 0;
        var workers = Enumerable.Range(0, Readers).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            for (var i = 0; i < 4_000; i++)
            {
                var m = messages[random.Next(messages.Length)];
                var blob = blobs[m.Blob];
                var prefix = prefixes[m.Prefix].ToArray(); // a different array of the same bytes, as each store read gives
                var structure = cache.GetOrParse(BlobId.Of(blob), prefix, () =>
                {
                    Interlocked.Increment(ref parses);
                    return Fetchable(prefix, blob).ParseStructure();
                });
                if (Signature(structure) != expected[m])
                {
                    wrong.Enqueue($"blob {m.Blob} prefix {m.Prefix}: got {Signature(structure)}, expected {expected[m]}");
                }
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(120));
        output.WriteLine($"{Readers * 4_000} lookups: {cache.Hits} hits, {cache.Misses} misses, {parses} parses, {cache.Count} entries at the end");

        wrong.ShouldBeEmpty(string.Join(Environment.NewLine, wrong.Take(5)));
        cache.Hits.ShouldBeGreaterThan(0);
        parses.ShouldBeGreaterThan(messages.Length, "the small limit forced evictions and re-parses");
    }

    private static string Clip(string digest) => digest.Length <= 400 ? digest : digest[..400] + "…";

    private static FetchableMessage Fetchable(byte[] prefix, byte[] blob) => FetchableMessage.FromBytes(0, 0, [], default, 0, prefix, blob);

    private static string Digest(MailboxSnapshot snapshot) =>
        $"{snapshot.Id}:{snapshot.UidValidity}:{snapshot.UidNext}:{snapshot.HighestModSeq}|" +
        string.Join(';', snapshot.Messages.Select(m => $"{m.Uid}={m.ModSeq}/{string.Join(',', m.Flags)}/{m.Blob.ToString()[..8]}"));
}
