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
/// Seed Q241556 ("OpenMsgStore is not thread safe": two threads opening a store deadlocked),
/// ARCHITECTURE.md rules 1 and 6. 32 IMAP-like sessions open one mailbox again and again, take
/// snapshots, catch their views up from the store's changes (with and without expunges), store flags, expunge and wait
/// for change events (IDLE), while 16 tasks append. Bounded: no deadlock; each view keeps UIDs
/// ascending; every view converges to the store; nothing is lost but what was expunged; and an
/// idle waiter is never left asleep after a change.
/// </summary>
public sealed class MailboxSessionTortureTests(ITestOutputHelper output)
{
    private const string User = "torture@example.test";
    private const int Sessions = 32;
    private const int Appenders = 16;
    private const int AppendsEach = 40;

    [Fact]
    public async Task MailboxSessions_Q241556_ConcurrentSessionsAndDeliveries_NeverDeadlockOrDiverge()
    {
        using var temp = new TempDirectory();
        await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = Path.Combine(temp.Path, "store.db") });
        var events = new MailboxEvents();
        var store = new SqliteMailStore(database, events: events);
        await store.EnsureDefaultMailboxesAsync(User);

        var appended = new ConcurrentBag<long>();
        var expunged = new ConcurrentBag<long>();
        var failures = new ConcurrentQueue<string>();
        long wakeUps = 0, refreshes = 0, stores = 0;
        var appending = Appenders;

        var appenders = Enumerable.Range(0, Appenders).Select(a => Task.Run(async () =>
        {
            // Past AppendsEach, appending goes on (bounded) until an expunge and an IDLE wake-up
            // have happened: the race is waited for, not hoped for within a fixed count.
            for (var i = 0; i < AppendsEach || ((expunged.IsEmpty || Interlocked.Read(ref wakeUps) == 0) && i < AppendsEach * 20); i++)
            {
                var content = Encoding.ASCII.GetBytes($"Subject: {a}-{i}\r\n\r\nx\r\n");
                var result = await store.AppendAsync(User, "INBOX", new BlobRef(BlobId.Of(content), content.Length), [], DateTimeOffset.UtcNow);
                appended.Add(result.Uid);
                if (i % 8 == 0)
                {
                    await Task.Yield();
                }
            }

            Interlocked.Decrement(ref appending);
        })).ToArray();

        var sessions = Enumerable.Range(0, Sessions).Select(s => Task.Run(async () =>
        {
            var random = new Random(241556 + s);
            SelectedMailbox? view = null;
            while (Volatile.Read(ref appending) > 0)
            {
                // "OpenMsgStore": a fresh snapshot and view, as SELECT does.
                var snapshot = await store.SnapshotAsync(User, "INBOX");
                view = new SelectedMailbox(snapshot!, readOnly: false);
                for (var op = 0; op < 8 && Volatile.Read(ref appending) > 0; op++)
                {
                    switch (random.Next(5))
                    {
                        case 0 or 1:
                            var seenVersion = events.Version(User);
                            view.Refresh((await store.ChangesSinceAsync(User, "INBOX", view.State))!, allowExpunge: random.Next(2) == 0);
                            Interlocked.Increment(ref refreshes);
                            if (view.Uids.Zip(view.Uids.Skip(1)).Any(p => p.First >= p.Second))
                            {
                                failures.Enqueue($"session {s}: UIDs not ascending");
                            }

                            // IDLE: a change after the version we saw must wake us.
                            using (var idle = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
                            {
                                try
                                {
                                    await events.WaitAsync(User, seenVersion, idle.Token);
                                    Interlocked.Increment(ref wakeUps);
                                }
                                catch (OperationCanceledException)
                                {
                                    // Nothing changed within the wait; fine.
                                }
                            }

                            break;
                        case 2 or 3:
                            if (view.Count > 0)
                            {
                                var uid = view.Uids[random.Next(view.Count)];
                                var flag = random.Next(6) == 0 ? MessageFlags.Deleted : "\\Seen";
                                var result = await store.StoreFlagsAsync(view.Id, [uid], FlagChange.Add, [flag]);
                                Interlocked.Increment(ref stores);
                                foreach (var update in result.Updated)
                                {
                                    view.Update(view.Message(update.Uid) with { Flags = update.Flags, ModSeq = update.ModSeq });
                                }
                            }

                            break;
                        default:
                            foreach (var uid in await store.ExpungeAsync(view.Id))
                            {
                                expunged.Add(uid);
                            }

                            break;
                    }
                }
            }

            // The session's last view, stale by however much the others changed since.
            return view ?? new SelectedMailbox((await store.SnapshotAsync(User, "INBOX"))!, readOnly: true);
        })).ToArray();

        var views = await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(150));
        await Task.WhenAll(appenders).WaitAsync(TimeSpan.FromSeconds(30));
        var finalState = (await store.SnapshotAsync(User, "INBOX"))!;
        output.WriteLine($"{appended.Count} appended, {expunged.Count} expunged, {finalState.Messages.Count} left; {refreshes} refreshes, {stores} stores, {wakeUps} IDLE wake-ups");

        failures.Count.ShouldBe(0, string.Join(Environment.NewLine, failures.Take(10)));
        appended.Count.ShouldBe(Appenders * AppendsEach);
        appended.Distinct().Count().ShouldBe(appended.Count, "every append got its own UID");
        expunged.Distinct().Count().ShouldBe(expunged.Count, "no message was expunged twice");
        finalState.Messages.Select(m => m.Uid).Order().ShouldBe(appended.Except(expunged).Order(), "nothing lost but what was expunged");
        foreach (var view in views)
        {
            // Everyone has stopped: one refresh brings any stale view to exactly the store's state.
            view.Refresh((await store.ChangesSinceAsync(User, "INBOX", view.State))!, allowExpunge: true);
            view.Uids.ShouldBe(finalState.Messages.Select(m => m.Uid), "each view converges to the store");
            finalState.Messages.ShouldAllBe(m => view.Message(m.Uid).Flags.SequenceEqual(m.Flags), "and so do the flags");
        }

        expunged.Count.ShouldBeGreaterThan(0, "expunges raced the sessions");
        wakeUps.ShouldBeGreaterThan(0, "IDLE waiters were woken by changes");

        // After one more change, every idle waiter that saw the version before it wakes.
        var before = events.Version(User);
        var waiters = Enumerable.Range(0, Sessions).Select(_ => events.WaitAsync(User, before, CancellationToken.None)).ToArray();
        var content = "Subject: last\r\n\r\n."u8.ToArray();
        await store.AppendAsync(User, "INBOX", new BlobRef(BlobId.Of(content), content.Length), [], DateTimeOffset.UtcNow);
        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
