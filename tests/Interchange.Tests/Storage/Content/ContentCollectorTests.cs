using Dapper;
using Interchange.Storage;
using Interchange.Storage.Blobs;
using Interchange.Storage.Changes;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Shouldly;

namespace Interchange.Tests.Storage.Content;

/// <summary>Issue 9, point 5: content nothing refers to is reclaimed after its grace, and only then.</summary>
public sealed class ContentCollectorTests : IAsyncLifetime
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(15);
    private readonly TempDirectory _folder = new();
    private readonly ManualTimeProvider _clock = new();
    private FileBlobStore _files = null!;
    private SqliteStoreBackend _backend = null!;
    private IContentCollector _collector = null!;

    public async Task InitializeAsync()
    {
        _files = new FileBlobStore(_folder.File("blobs"));
        _backend = await SqliteStoreBackend.OpenAsync(new SqliteOptions { Path = _folder.File("store.db") }, _files, new MailboxEvents(new InProcessChangeFeed()));
        _collector = _backend.CreateCollector(new ContentCollectionOptions { Grace = Grace }, _clock);
        await _backend.Directory.AddDomainAsync("example.test");
        await _backend.Directory.AddUserAsync("alice@example.test", "alice@example.test", "example.test", null);
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        _folder.Dispose();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_expunged_message_keeps_its_content_through_the_grace_then_loses_it_with_its_structure(bool inline)
    {
        var content = await DeliverAsync("expunged", inline);
        var inbox = await InboxAsync();

        (await _collector.CollectAsync()).Reclaimed.ShouldBe(0, "the queue entry went, but the message refers to the content");
        await ExpungeAsync(inbox.Id, [inbox.Messages[0].Uid]);
        _clock.Advance(Grace - TimeSpan.FromSeconds(1));
        (await _collector.CollectAsync()).Reclaimed.ShouldBe(0, "stamped now: the grace starts when the collector first sees the release");
        _clock.Advance(Grace - TimeSpan.FromMinutes(1));
        (await _collector.CollectAsync()).Reclaimed.ShouldBe(0, "still within the grace");
        _clock.Advance(TimeSpan.FromMinutes(2));

        (await _collector.CollectAsync()).ShouldBe(new ContentCollection(1, 1, 0));

        (await ExistsAsync(content)).ShouldBeFalse();
        (await CountAsync("SELECT count(*) FROM message_structures")).ShouldBe(0);
        (await CountAsync("SELECT count(*) FROM content_releases")).ShouldBe(0);
    }

    [Fact]
    public async Task Content_a_copy_still_refers_to_is_kept_and_stays_readable()
    {
        var content = await DeliverAsync("copied", inline: true);
        var inbox = await InboxAsync();
        await _backend.Mail.CreateMailboxAsync("alice@example.test", "Archive");
        await _backend.Mail.CopyAsync(inbox.Id, [inbox.Messages[0].Uid], "alice@example.test", "Archive", move: false);
        await ExpungeAsync(inbox.Id, [inbox.Messages[0].Uid]);
        await _collector.CollectAsync();
        _clock.Advance(Grace + TimeSpan.FromSeconds(1));

        (await _collector.CollectAsync()).ShouldBe(new ContentCollection(1, 0, 1));

        (await ExistsAsync(content)).ShouldBeTrue();
        var archived = (await _backend.Mail.ListMessagesAsync("alice@example.test", "Archive")).Single();
        using var read = _backend.Contents.Open(archived);
        var bytes = new byte[read.Length];
        (await read.ReadAsync(0, bytes)).ShouldBe(bytes.Length);
    }

    [Fact]
    public async Task A_move_is_a_release_the_collector_examines_and_keeps()
    {
        await DeliverAsync("moved", inline: false);
        var inbox = await InboxAsync();
        await _backend.Mail.CreateMailboxAsync("alice@example.test", "Archive");
        await _backend.Mail.CopyAsync(inbox.Id, [inbox.Messages[0].Uid], "alice@example.test", "Archive", move: true);
        await _collector.CollectAsync(); // stamps
        _clock.Advance(Grace + TimeSpan.FromSeconds(1));

        var pass = await _collector.CollectAsync();

        (pass.Examined, pass.Reclaimed, pass.Kept).ShouldBe((1, 0, 1));
        _files.Enumerate().Count().ShouldBe(1);
    }

    [Fact]
    public async Task A_release_repeated_within_the_grace_starts_the_grace_again()
    {
        var content = await DeliverAsync("twice", inline: true);
        var inbox = await InboxAsync();
        await _backend.Mail.CreateMailboxAsync("alice@example.test", "Archive");
        await _backend.Mail.CopyAsync(inbox.Id, [inbox.Messages[0].Uid], "alice@example.test", "Archive", move: false);
        await ExpungeAsync(inbox.Id, [inbox.Messages[0].Uid]);
        await _collector.CollectAsync(); // the first release stamped
        _clock.Advance(Grace - TimeSpan.FromMinutes(1));
        var archive = await _backend.Mail.SnapshotAsync("alice@example.test", "Archive");
        await ExpungeAsync(archive!.Id, [archive.Messages[0].Uid]); // the last reference: released again
        _clock.Advance(TimeSpan.FromMinutes(2));

        (await _collector.CollectAsync()).Examined.ShouldBe(0, "the second release is stamped by this pass, not the first's time");
        (await ExistsAsync(content)).ShouldBeTrue();
        _clock.Advance(Grace);
        (await _collector.CollectAsync()).Reclaimed.ShouldBe(1);
        (await ExistsAsync(content)).ShouldBeFalse();
    }

    [Fact]
    public async Task Deleting_a_mailbox_releases_every_message_in_it()
    {
        await _backend.Mail.CreateMailboxAsync("alice@example.test", "Old");
        var inbox = await InboxAsync();
        for (var i = 0; i < 3; i++)
        {
            await DeliverAsync($"m{i}", inline: i % 2 == 0);
        }

        inbox = await InboxAsync();
        await _backend.Mail.CopyAsync(inbox.Id, inbox.Messages.Select(m => m.Uid).ToList(), "alice@example.test", "Old", move: true);
        await _backend.Mail.DeleteMailboxAsync("alice@example.test", "Old");
        await _collector.CollectAsync();
        _clock.Advance(Grace + TimeSpan.FromSeconds(1));

        (await _collector.CollectAsync()).Reclaimed.ShouldBe(3);
        _files.Enumerate().ShouldBeEmpty();
        (await CountAsync("SELECT count(*) FROM message_contents")).ShouldBe(0);
    }

    [Fact]
    public async Task An_orphaned_file_older_than_the_grace_is_found_and_taken_a_fresh_or_referenced_one_is_not()
    {
        await DeliverAsync("referenced", inline: false);
        var abandoned = await _files.WriteAsync(new MemoryStream("written, then the client went away"u8.ToArray()));
        File.SetLastWriteTimeUtc(_files.PathOf(abandoned.Id), _clock.GetUtcNow().UtcDateTime - Grace - TimeSpan.FromMinutes(1));
        var fresh = await _files.WriteAsync(new MemoryStream("being written for a message not yet queued"u8.ToArray()));
        File.SetLastWriteTimeUtc(_files.PathOf(fresh.Id), _clock.GetUtcNow().UtcDateTime);
        foreach (var blob in _files.Enumerate().Where(b => b.Id != abandoned.Id && b.Id != fresh.Id))
        {
            File.SetLastWriteTimeUtc(_files.PathOf(blob.Id), _clock.GetUtcNow().UtcDateTime - Grace - Grace);
        }

        (await _collector.FindOrphansAsync()).ShouldBe(1);
        (await _collector.CollectAsync()).Reclaimed.ShouldBe(0, "an orphan waits for a grace too");
        _clock.Advance(Grace + TimeSpan.FromSeconds(1));
        (await _collector.CollectAsync()).Reclaimed.ShouldBe(1);

        _files.Exists(abandoned.Id).ShouldBeFalse();
        _files.Exists(fresh.Id).ShouldBeTrue();
        _files.Enumerate().Count().ShouldBe(2);
    }

    [Fact]
    public async Task A_reference_to_content_the_collector_took_is_refused_as_a_temporary_failure_and_nothing_is_queued()
    {
        // The race the transactions order: a file written (or found written) before the collector
        // took it, referenced after. The enqueue sees it gone and the client is told to retry.
        var blob = await _files.WriteAsync(new MemoryStream(Message("taken under the writer's feet", 200_000)));
        File.SetLastWriteTimeUtc(_files.PathOf(blob.Id), _clock.GetUtcNow().UtcDateTime - Grace - TimeSpan.FromMinutes(1));
        await _collector.FindOrphansAsync();
        await _collector.CollectAsync();
        _clock.Advance(Grace + TimeSpan.FromSeconds(1));
        (await _collector.CollectAsync()).Reclaimed.ShouldBe(1);

        var refused = await Should.ThrowAsync<StoreException>(() => _backend.Queue.EnqueueAsync(new StagedContent(blob, null), Envelope(), _clock.GetUtcNow()));

        refused.IsUnavailable.ShouldBeTrue();
        (await QueuedAsync()).ShouldBe(0);
        await _backend.Mail.EnsureDefaultMailboxesAsync("alice@example.test");
        (await Should.ThrowAsync<StoreException>(() => _backend.Mail.AppendAsync("alice@example.test", "INBOX", blob, [], _clock.GetUtcNow()))).IsUnavailable.ShouldBeTrue();
        (await InboxAsync()).Messages.ShouldBeEmpty();
    }

    [Fact]
    public async Task Identical_content_accepted_again_during_its_grace_is_kept()
    {
        var content = await DeliverAsync("same bytes", inline: false);
        var inbox = await InboxAsync();
        await ExpungeAsync(inbox.Id, [inbox.Messages[0].Uid]);
        await _collector.CollectAsync();
        (await DeliverAsync("same bytes", inline: false)).ShouldBe(content, "content addressing: the same file");
        _clock.Advance(Grace + TimeSpan.FromSeconds(1));

        var pass = await _collector.CollectAsync();

        pass.Reclaimed.ShouldBe(0);
        (await ExistsAsync(content)).ShouldBeTrue();
    }

    private static Envelope Envelope() => new("sender@remote.test", [new QueuedRecipient("alice@example.test")], "test [127.0.0.1]");

    private static byte[] Message(string subject, int size = 0)
    {
        var head = $"From: sender@remote.test\r\nTo: alice@example.test\r\nSubject: {subject}\r\nMessage-ID: <{subject.Replace(' ', '.')}@remote.test>\r\n\r\n";
        var body = new string('x', Math.Max(10, size - head.Length - 2));
        return System.Text.Encoding.ASCII.GetBytes(head + body + "\r\n");
    }

    /// <summary>Queues a message (inline or as a file, with a structure), routes and delivers it to alice.</summary>
    private async Task<BlobRef> DeliverAsync(string subject, bool inline)
    {
        var bytes = Message(subject, inline ? 500 : 100_000);
        var blob = inline ? new BlobRef(BlobId.Of(bytes), bytes.Length) : await _files.WriteAsync(new MemoryStream(bytes));
        var structure = new StoredStructure(blob.Id, $"<{subject}@remote.test>", 0, [1, 2, 3]);
        await _backend.Queue.EnqueueAsync(new StagedContent(blob, inline ? bytes : null), Envelope(), _clock.GetUtcNow(), structure);
        var found = await _backend.Queue.FindNewAsync(0, 1, 10);
        await _backend.Queue.RouteAsync(found.Select(m => (m, (IReadOnlyList<Route>)[new Route("alice@example.test", "alice@example.test", "local")])).ToList());
        var items = await _backend.Queue.FindPendingAsync("local", 0, 1, 10);
        await _backend.Mail.DeliverAsync(items.Select(i => new MailboxDelivery(i, "Delivered-To: alice@example.test\r\n"u8.ToArray())).ToList());
        (await QueuedAsync()).ShouldBe(0, "the queue entry is done");
        return blob;
    }

    /// <summary>As IMAP does it: \Deleted, then UID EXPUNGE.</summary>
    private async Task ExpungeAsync(long mailboxId, IReadOnlyList<long> uids)
    {
        await _backend.Mail.StoreFlagsAsync(mailboxId, uids, FlagChange.Add, [@"\Deleted"]);
        (await _backend.Mail.ExpungeAsync(mailboxId, uids)).ShouldBe(uids);
    }

    private async Task<int> QueuedAsync()
    {
        var stats = await _backend.Queue.StatisticsAsync();
        return stats.NewMessages + stats.RoutedMessages;
    }

    private async Task<MailboxSnapshot> InboxAsync() => (await _backend.Mail.SnapshotAsync("alice@example.test", "INBOX"))!;

    private async Task<bool> ExistsAsync(BlobRef content) =>
        _files.Exists(content.Id) || await CountAsync($"SELECT count(*) FROM message_contents WHERE id = '{content.Id.Hex}'") > 0;

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_folder.File("store.db")}");
        await connection.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
