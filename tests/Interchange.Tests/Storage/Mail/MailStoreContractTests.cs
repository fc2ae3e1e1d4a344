using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Shouldly;

namespace Interchange.Tests.Storage.Mail;

/// <summary>What every <see cref="IMailStore"/> backend must do; a subclass per backend supplies the store.</summary>
public abstract class MailStoreContractTests : IAsyncLifetime
{
    protected const string User = "alice@example.test";

    protected IMailStore Store { get; private set; } = null!;

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected abstract Task<IMailStore> CreateStoreAsync();

    [Fact]
    public async Task DefaultMailboxes_AreCreatedOnce_WithSpecialUse()
    {
        await Store.EnsureDefaultMailboxesAsync(User);
        await Store.EnsureDefaultMailboxesAsync(User);
        var boxes = await Store.ListMailboxesAsync(User);
        boxes.Select(b => b.Name).ShouldBe(["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"]);
        boxes.Single(b => b.Name == "Sent").SpecialUse.ShouldBe("\\Sent");
        boxes.Select(b => b.UidValidity).Distinct().Count().ShouldBe(6, "each mailbox has its own UIDVALIDITY");
        (await Store.ListMailboxesAsync("bob@example.test")).ShouldBeEmpty("mailboxes are per user");
    }

    [Fact]
    public async Task Create_MakesMissingParents_AndRefusesDuplicatesAndBadNames()
    {
        await Store.CreateMailboxAsync(User, "Projects/2026/Q4");
        (await Store.ListMailboxesAsync(User)).Select(b => b.Name).ShouldBe(["Projects", "Projects/2026", "Projects/2026/Q4"]);
        (await Should.ThrowAsync<MailStoreException>(() => Store.CreateMailboxAsync(User, "Projects"))).Error.ShouldBe(MailStoreError.AlreadyExists);
        foreach (var bad in new[] { "", "/a", "a/", "a//b", "a*b", "a%b", "a\tb" })
        {
            (await Should.ThrowAsync<MailStoreException>(() => Store.CreateMailboxAsync(User, bad))).Error.ShouldBe(MailStoreError.NotAllowed, bad);
        }
    }

    [Fact]
    public async Task Inbox_IsCaseInsensitive_AndCannotBeDeleted()
    {
        await Store.EnsureDefaultMailboxesAsync(User);
        (await Store.SnapshotAsync(User, "inbox")).ShouldNotBeNull().Name.ShouldBe("INBOX");
        (await Should.ThrowAsync<MailStoreException>(() => Store.DeleteMailboxAsync(User, "Inbox"))).Error.ShouldBe(MailStoreError.NotAllowed);
        (await Should.ThrowAsync<MailStoreException>(() => Store.CreateMailboxAsync(User, "iNbOx"))).Error.ShouldBe(MailStoreError.AlreadyExists);
    }

    [Fact]
    public async Task Delete_RefusesParentsWithChildren_AndANewMailboxOfTheSameNameGetsANewUidValidity()
    {
        await Store.CreateMailboxAsync(User, "a/b");
        (await Should.ThrowAsync<MailStoreException>(() => Store.DeleteMailboxAsync(User, "a"))).Error.ShouldBe(MailStoreError.HasChildren);
        var before = (await Store.SnapshotAsync(User, "a/b"))!;
        await Store.AppendAsync(User, "a/b", Blob("x"), [], DateTimeOffset.UtcNow);
        await Store.DeleteMailboxAsync(User, "a/b");
        (await Store.SnapshotAsync(User, "a/b")).ShouldBeNull();
        await Store.CreateMailboxAsync(User, "a/b");
        var after = (await Store.SnapshotAsync(User, "a/b"))!;
        after.UidValidity.ShouldBeGreaterThan(before.UidValidity);
        after.Messages.ShouldBeEmpty();
        after.UidNext.ShouldBe(1);
        (await Should.ThrowAsync<MailStoreException>(() => Store.DeleteMailboxAsync(User, "nope"))).Error.ShouldBe(MailStoreError.NotFound);
    }

    [Fact]
    public async Task Append_AssignsAscendingUidsAndModseqs_KeepsFlagsAndDate_AndNeedsAnExistingMailbox()
    {
        await Store.EnsureDefaultMailboxesAsync(User);
        var date = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var first = await Store.AppendAsync(User, "Drafts", Blob("one"), ["\\seen", "$Label1", "\\SEEN", "\\Recent"], date);
        var second = await Store.AppendAsync(User, "Drafts", Blob("two"), [], date);
        first.Uid.ShouldBe(1);
        second.Uid.ShouldBe(2);
        var box = (await Store.SnapshotAsync(User, "Drafts"))!;
        first.UidValidity.ShouldBe(box.UidValidity);
        box.UidNext.ShouldBe(3);
        box.Messages[0].Flags.ShouldBe(["\\Seen", "$Label1"], "system flags canonical and first, duplicates and \\Recent dropped");
        box.Messages[0].InternalDate.ShouldBe(date);
        box.Messages[1].ModSeq.ShouldBeGreaterThan(box.Messages[0].ModSeq);
        box.HighestModSeq.ShouldBe(box.Messages[1].ModSeq);
        (await Should.ThrowAsync<MailStoreException>(() => Store.AppendAsync(User, "Nowhere", Blob("x"), [], date))).Error.ShouldBe(MailStoreError.NotFound);
    }

    [Fact]
    public async Task StoreFlags_AddRemoveReplace_BumpModseqOnlyOnChange_AndHonourUnchangedSince()
    {
        await Store.EnsureDefaultMailboxesAsync(User);
        for (var i = 0; i < 3; i++)
        {
            await Store.AppendAsync(User, "INBOX", Blob($"m{i}"), [], DateTimeOffset.UtcNow);
        }

        var box = (await Store.SnapshotAsync(User, "INBOX"))!;
        var added = await Store.StoreFlagsAsync(box.Id, [1, 2], FlagChange.Add, ["\\Seen"]);
        added.Updated.ShouldAllBe(u => u.Changed && u.Flags.SequenceEqual(new[] { "\\Seen" }));
        added.HighestModSeq.ShouldBe(box.HighestModSeq + 2);

        var again = await Store.StoreFlagsAsync(box.Id, [1], FlagChange.Add, ["\\seen"]);
        again.Updated.Single().Changed.ShouldBeFalse();
        again.HighestModSeq.ShouldBe(added.HighestModSeq, "no change, no new modseq");

        var replaced = await Store.StoreFlagsAsync(box.Id, [1], FlagChange.Replace, ["\\Flagged", "Work"]);
        replaced.Updated.Single().Flags.ShouldBe(["\\Flagged", "Work"]);
        var removed = await Store.StoreFlagsAsync(box.Id, [1], FlagChange.Remove, ["work"]);
        removed.Updated.Single().Flags.ShouldBe(["\\Flagged"], "keywords compare case-insensitively");

        // UNCHANGEDSINCE: message 1 changed after modseq of 'added', message 3 did not.
        var conditional = await Store.StoreFlagsAsync(box.Id, [1, 3, 99], FlagChange.Add, ["\\Answered"], unchangedSince: added.HighestModSeq);
        conditional.Modified.ShouldBe([1]);
        conditional.Updated.Select(u => u.Uid).ShouldBe([3], "99 does not exist and is ignored");
    }

    [Fact]
    public async Task Expunge_RemovesOnlyDeletedMessages_OptionallyWithinUids_AndMovesModseq()
    {
        await Store.EnsureDefaultMailboxesAsync(User);
        for (var i = 0; i < 4; i++)
        {
            await Store.AppendAsync(User, "INBOX", Blob($"e{i}"), i == 0 ? [] : ["\\Deleted"], DateTimeOffset.UtcNow);
        }

        var box = (await Store.SnapshotAsync(User, "INBOX"))!;
        (await Store.ExpungeAsync(box.Id, [2, 1])).ShouldBe([2]);
        (await Store.ExpungeAsync(box.Id)).ShouldBe([3, 4]);
        var after = (await Store.SnapshotAsync(User, "INBOX"))!;
        after.Messages.Select(m => m.Uid).ShouldBe([1]);
        after.HighestModSeq.ShouldBeGreaterThan(box.HighestModSeq);
        after.UidNext.ShouldBe(5, "UIDs are never reused");
        (await Store.ExpungeAsync(box.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task CopyAndMove_GiveNewUidsInOrder_KeepContentAndFlags_AndMoveRemovesTheOriginals()
    {
        await Store.EnsureDefaultMailboxesAsync(User);
        var blobs = new[] { Blob("c1"), Blob("c2"), Blob("c3") };
        foreach (var blob in blobs)
        {
            await Store.AppendAsync(User, "INBOX", blob, ["\\Seen"], DateTimeOffset.UtcNow);
        }

        await Store.AppendAsync(User, "Archive", Blob("already there"), [], DateTimeOffset.UtcNow);
        var inbox = (await Store.SnapshotAsync(User, "INBOX"))!;
        var copy = await Store.CopyAsync(inbox.Id, [3, 1, 42], User, "Archive", move: false);
        copy.SourceUids.ShouldBe([1, 3]);
        copy.DestinationUids.ShouldBe([2, 3]);
        var archive = (await Store.SnapshotAsync(User, "Archive"))!;
        copy.UidValidity.ShouldBe(archive.UidValidity);
        archive.Messages.Select(m => m.Blob).ShouldBe([Blob("already there").Id, blobs[0].Id, blobs[2].Id]);
        archive.Messages.Skip(1).ShouldAllBe(m => m.Flags.SequenceEqual(new[] { "\\Seen" }));
        (await Store.SnapshotAsync(User, "INBOX"))!.Messages.Count.ShouldBe(3, "copy leaves the source");

        var move = await Store.CopyAsync(inbox.Id, [2], User, "Trash", move: true);
        move.DestinationUids.ShouldBe([1]);
        (await Store.SnapshotAsync(User, "INBOX"))!.Messages.Select(m => m.Uid).ShouldBe([1, 3]);
        (await Should.ThrowAsync<MailStoreException>(() => Store.CopyAsync(inbox.Id, [1], User, "Nowhere", move: false))).Error.ShouldBe(MailStoreError.NotFound);
    }

    [Fact]
    public async Task Rename_KeepsUidValidityAndMessages_CarriesChildren_AndInboxRenameLeavesAnEmptyInbox()
    {
        await Store.EnsureDefaultMailboxesAsync(User);
        await Store.CreateMailboxAsync(User, "Work/Clients");
        await Store.AppendAsync(User, "Work", Blob("w"), [], DateTimeOffset.UtcNow);
        var before = (await Store.SnapshotAsync(User, "Work"))!;
        await Store.RenameMailboxAsync(User, "Work", "Old/Work");
        var after = (await Store.SnapshotAsync(User, "Old/Work"))!;
        after.UidValidity.ShouldBe(before.UidValidity);
        after.Messages.Single().Uid.ShouldBe(1);
        (await Store.SnapshotAsync(User, "Old/Work/Clients")).ShouldNotBeNull("inferior names are renamed too");
        (await Store.SnapshotAsync(User, "Work")).ShouldBeNull();
        (await Should.ThrowAsync<MailStoreException>(() => Store.RenameMailboxAsync(User, "Old", "Old/Below"))).Error.ShouldBe(MailStoreError.NotAllowed);
        (await Should.ThrowAsync<MailStoreException>(() => Store.RenameMailboxAsync(User, "Sent", "Trash"))).Error.ShouldBe(MailStoreError.AlreadyExists);

        await Store.AppendAsync(User, "INBOX", Blob("i1"), [], DateTimeOffset.UtcNow);
        await Store.AppendAsync(User, "INBOX", Blob("i2"), [], DateTimeOffset.UtcNow);
        await Store.RenameMailboxAsync(User, "INBOX", "Saved");
        (await Store.SnapshotAsync(User, "INBOX"))!.Messages.ShouldBeEmpty();
        (await Store.SnapshotAsync(User, "Saved"))!.Messages.Select(m => m.Uid).ShouldBe([1, 2]);
    }

    [Fact]
    public async Task Subscriptions_CanBeSetAndCleared()
    {
        await Store.CreateMailboxAsync(User, "Lists");
        await Store.SetSubscribedAsync(User, "Lists", false);
        (await Store.ListMailboxesAsync(User)).Single().Subscribed.ShouldBeFalse();
        await Store.SetSubscribedAsync(User, "Lists", true);
        (await Store.ListMailboxesAsync(User)).Single().Subscribed.ShouldBeTrue();
        (await Should.ThrowAsync<MailStoreException>(() => Store.SetSubscribedAsync(User, "Nope", true))).Error.ShouldBe(MailStoreError.NotFound);
    }

    [Fact]
    public async Task ChangesSince_GivesOnlyWhatAViewMissed_AndTheUidListOnlyAfterAnExpunge()
    {
        await Store.EnsureDefaultMailboxesAsync(User);
        for (var i = 0; i < 4; i++)
        {
            await Store.AppendAsync(User, "INBOX", Blob($"c{i}"), [], DateTimeOffset.UtcNow);
        }

        var box = (await Store.SnapshotAsync(User, "INBOX"))!;
        var view = new MailboxViewState(box.HighestModSeq, 4, 4);

        var none = (await Store.ChangesSinceAsync(User, "inbox", view))!;
        none.Id.ShouldBe(box.Id);
        none.HighestModSeq.ShouldBe(box.HighestModSeq);
        none.Changed.ShouldBeEmpty();
        none.Uids.ShouldBeNull();

        await Store.StoreFlagsAsync(box.Id, [2], FlagChange.Add, ["\\Seen"]);
        await Store.AppendAsync(User, "INBOX", Blob("c4"), ["\\Flagged"], DateTimeOffset.UtcNow);
        var some = (await Store.ChangesSinceAsync(User, "INBOX", view))!;
        some.Changed.Select(m => m.Uid).ShouldBe([2, 5], "the flag change and the new message, in UID order");
        some.Changed[0].Flags.ShouldBe(["\\Seen"]);
        some.Uids.ShouldBeNull("nothing the view holds is gone");
        some.UidNext.ShouldBe(6);

        await Store.StoreFlagsAsync(box.Id, [3], FlagChange.Add, [MessageFlags.Deleted]);
        await Store.ExpungeAsync(box.Id);
        var gone = (await Store.ChangesSinceAsync(User, "INBOX", view))!;
        gone.Uids.ShouldBe([1, 2, 4, 5], "an expunge shows as the full UID list");
        gone.Changed.Select(m => m.Uid).ShouldBe([2, 5], "the expunged message is not among the changed");

        // A view that saw the new message but not the expunge still learns of it (counts differ).
        var later = new MailboxViewState(some.HighestModSeq, 5, 5);
        (await Store.ChangesSinceAsync(User, "INBOX", later))!.Uids.ShouldBe([1, 2, 4, 5]);

        await Store.CreateMailboxAsync(User, "Temp");
        await Store.DeleteMailboxAsync(User, "Temp");
        (await Store.ChangesSinceAsync(User, "Temp", view)).ShouldBeNull();
    }

    [Fact]
    public async Task Recent_IsClaimedOnce_FromTheFirstUnclaimedUid()
    {
        await Store.CreateMailboxAsync(User, "Rc");
        for (var i = 0; i < 3; i++)
        {
            await Store.AppendAsync(User, "Rc", Blob($"r{i}"), [], DateTimeOffset.UtcNow);
        }

        var box = (await Store.SnapshotAsync(User, "Rc"))!;
        (await Store.FirstRecentUidAsync(box.Id)).ShouldBe(1, "a new mailbox: every message is recent");
        (await Store.ClaimRecentAsync(box.Id, 2)).ShouldBe(1, "claims UIDs 1 to 2");
        (await Store.ClaimRecentAsync(box.Id, 2)).ShouldBe(3, "nothing left to claim up to 2");
        (await Store.FirstRecentUidAsync(box.Id)).ShouldBe(3);
        (await Store.ClaimRecentAsync(box.Id, 3)).ShouldBe(3);
        (await Store.FirstRecentUidAsync(box.Id)).ShouldBe(4);
        (await Store.FirstRecentUidAsync(box.Id + 1000)).ShouldBeNull();
        (await Store.ClaimRecentAsync(box.Id + 1000, 3)).ShouldBe(4, "a mailbox that is gone has nothing to claim");
    }

    protected static BlobRef Blob(string content) => new(BlobId.Of(Encoding.UTF8.GetBytes(content)), content.Length);
}
