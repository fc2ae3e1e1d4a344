using System.Collections.Concurrent;
using System.Text;
using Interchange.Imap.Session;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Interchange.Storage.Sqlite;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// \Recent (RFC 3501 2.3.2) is a claim, so rule 2 applies: a message is recent to exactly one
/// session. 24 sessions select one mailbox again and again (a snapshot, then the store's claim up
/// to the view's highest UID, as SELECT and NOOP do) while 8 tasks deliver into it, with random
/// yields. Asserts that every delivered message was claimed by exactly one session: none twice
/// (two sessions that read the same mark cannot both move it) and none lost.
/// </summary>
public sealed class RecentClaimTortureTests(ITestOutputHelper output)
{
    private const string User = "recent@example.test";
    private const int Sessions = 24;
    private const int Appenders = 8;
    private const int AppendsEach = 60;

    [Fact]
    public async Task RecentClaim_TwoSessionsSelectingAtOnce_EachMessageIsRecentInExactlyOne()
    {
        using var temp = new TempDirectory();
        await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = Path.Combine(temp.Path, "store.db") });
        var store = new SqliteMailStore(database);
        await store.EnsureDefaultMailboxesAsync(User);

        var appended = new ConcurrentBag<long>();
        var claims = new ConcurrentDictionary<long, int>();
        var failures = new ConcurrentQueue<string>();
        var appending = Appenders;
        long selects = 0, claimsMade = 0;

        var appenders = Enumerable.Range(0, Appenders).Select(a => Task.Run(async () =>
        {
            for (var i = 0; i < AppendsEach; i++)
            {
                var content = Encoding.ASCII.GetBytes($"Subject: {a}-{i}\r\n\r\nx\r\n");
                appended.Add((await store.AppendAsync(User, "INBOX", new BlobRef(BlobId.Of(content), content.Length), [], DateTimeOffset.UtcNow)).Uid);
                if (i % 4 == 0)
                {
                    await Task.Yield();
                }
            }

            Interlocked.Decrement(ref appending);
        })).ToArray();

        async Task SelectAsync(int session, Random random)
        {
            var snapshot = await store.SnapshotAsync(User, "INBOX");
            var view = new SelectedMailbox(snapshot!, readOnly: false);
            if (random.Next(3) == 0)
            {
                await Task.Yield(); // let another session read the same mark before this one claims
            }

            var first = await store.ClaimRecentAsync(view.Id, view.MaxUid);
            view.MarkRecent(first, view.MaxUid);
            Interlocked.Increment(ref selects);
            foreach (var uid in view.Uids.Where(view.IsRecent))
            {
                Interlocked.Increment(ref claimsMade);
                if (claims.AddOrUpdate(uid, 1, (_, n) => n + 1) > 1)
                {
                    failures.Enqueue($"session {session}: UID {uid} is recent to a second session");
                }
            }
        }

        var sessions = Enumerable.Range(0, Sessions).Select(s => Task.Run(async () =>
        {
            var random = new Random(3501 + s);
            while (Volatile.Read(ref appending) > 0)
            {
                await SelectAsync(s, random);
            }
        })).ToArray();

        await Task.WhenAll(appenders).WaitAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(60));
        await SelectAsync(Sessions, new Random(0)); // a last SELECT takes what nobody took yet

        output.WriteLine($"{appended.Count} delivered, {selects} selects, {claimsMade} messages told recent");
        failures.Count.ShouldBe(0, string.Join(Environment.NewLine, failures.Take(10)));
        appended.Count.ShouldBe(Appenders * AppendsEach);
        claims.Keys.Order().ShouldBe(appended.Order(), "every delivered message was recent to some session");
        claims.Values.ShouldAllBe(n => n == 1, "and to one only");
    }
}
