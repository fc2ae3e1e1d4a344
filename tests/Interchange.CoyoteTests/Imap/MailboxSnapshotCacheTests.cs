using Interchange.Imap.Session;
using Interchange.Storage.Mail;
using Microsoft.Coyote.Specifications;
using Microsoft.Coyote.SystematicTesting;

namespace Interchange.CoyoteTests.Imap;

/// <summary>
/// The shared IMAP snapshot cache under every interleaving Coyote chooses: a snapshot handed out
/// is exactly a state the mailbox had while the call ran (linearisable), never an old one and
/// never a mix of two mailboxes that bore the same name.
/// </summary>
public static class MailboxSnapshotCacheTests
{
    private const string User = "alice";

    /// <summary>
    /// Two sessions select the mailbox twice each while a third appends, deletes and re-creates it
    /// and appends again. Every answer must equal one of the states between its call's start and end.
    /// </summary>
    [Test]
    public static async Task Snapshots_are_states_the_mailbox_had_during_the_call()
    {
        var store = new MemoryMailStore("INBOX");
        using var cache = new MailboxSnapshotCache(store, messageLimit: 1000);
        await store.AppendAsync();

        var sessions = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                await SelectAndCheck(store, cache);
            }
        })).ToList();
        var writer = Task.Run(async () =>
        {
            await store.AppendAsync();
            await store.RecreateAsync();
            await store.AppendAsync();
        });
        await Task.WhenAll(sessions.Append(writer));

        // Quiet now: the cache must give exactly the last state.
        await SelectAndCheck(store, cache);
    }

    private static async Task SelectAndCheck(MemoryMailStore store, MailboxSnapshotCache cache)
    {
        var from = store.Version;
        var snapshot = await cache.SnapshotAsync(User, "INBOX");
        var states = store.StatesSince(from);
        Specification.Assert(states.Any(s => Matches(snapshot, s)),
            $"snapshot {Describe(snapshot)} is none of the states during the call: {string.Join(" | ", states.Select(Describe))}");
    }

    private static bool Matches(MailboxSnapshot? snapshot, MailboxState? state) =>
        snapshot is null ? state is null
        : state is not null && snapshot.Id == state.Id && snapshot.UidValidity == state.UidValidity
            && snapshot.HighestModSeq == state.HighestModSeq && snapshot.UidNext == state.UidNext
            && snapshot.Messages.SequenceEqual(state.Messages);

    private static string Describe(MailboxSnapshot? s) =>
        s is null ? "none" : $"id {s.Id} modseq {s.HighestModSeq} [{string.Join(",", s.Messages.Select(m => $"{m.Uid}:{m.Blob.Hex[..6]}"))}]";

    private static string Describe(MailboxState? s) =>
        s is null ? "none" : $"id {s.Id} modseq {s.HighestModSeq} [{string.Join(",", s.Messages.Select(m => $"{m.Uid}:{m.Blob.Hex[..6]}"))}]";
}
