using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Storage.Blobs;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Storage.Queue;

/// <summary>
/// The queue contract on the embedded SQLite store. Each opened store is a database instance of
/// its own on one file, with its own writer connection and no batching (MaxBatch 1), so the
/// concurrent cases meet in SQLite's locking, not in one group-commit writer.
/// </summary>
public sealed class SqliteQueueStoreTests : QueueStoreContractTests
{
    private readonly TempDirectory _directory = new();
    private readonly List<SqliteDatabase> _databases = [];

    protected override async Task<(IQueueStore Queue, IMailStore Mail)> OpenAsync(TimeProvider clock)
    {
        var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = _directory.File("store.db"), Readers = 2, MaxBatch = 1 });
        _databases.Add(database);
        return (new SqliteQueueStore(database, clock), new SqliteMailStore(database, clock));
    }

    protected override async Task AddUsersAsync(params string[] keys)
    {
        var directory = new SqliteDirectoryStore(_databases[0]);
        if (!await directory.DomainExistsAsync("example.test"))
        {
            await directory.AddDomainAsync("example.test");
        }

        foreach (var key in keys)
        {
            await directory.AddUserAsync(key, key, "example.test", null);
        }
    }

    protected override Task RemoveUserAsync(string key) => new SqliteDirectoryStore(_databases[0]).RemoveUserAsync(key);

    [Fact]
    public async Task FindPending_IsNotHeldForEver_BehindAMessageStuckInRouting()
    {
        // A message whose routing never finishes nor fails (a resolver that hangs, a row the
        // categorizer cannot read) must not stop every mailbox's delivery (review of issue 9).
        var stuck = await Queue.EnqueueAsync(new BlobRef(BlobId.FromHash(new byte[32]), 10), new Envelope("a@remote.test", [new QueuedRecipient("bob@example.test")], "test"), Clock.GetUtcNow());
        var later = await Queue.EnqueueAsync(new BlobRef(BlobId.FromHash(Enumerable.Repeat((byte)1, 32).ToArray()), 10), new Envelope("a@remote.test", [new QueuedRecipient("alice@example.test")], "test"), Clock.GetUtcNow());
        var news = await Queue.FindNewAsync(0, 1, 10);
        (await Queue.RouteAsync([(news.Single(m => m.Id == later), [new Route("alice@example.test", "alice@example.test", Local)])])).ShouldBe(1);
        (await Queue.FindPendingAsync(Local, 0, 1, 10)).ShouldBeEmpty("held while the earlier message may still be routed to alice");

        Clock.Advance(SqliteQueueStore.OrderHold + TimeSpan.FromSeconds(1));
        (await Queue.FindPendingAsync(Local, 0, 1, 10)).ShouldHaveSingleItem().MessageId.ShouldBe(later);
        stuck.ShouldBeLessThan(later);
    }

    public override async Task DisposeAsync()
    {
        foreach (var database in _databases)
        {
            await database.DisposeAsync();
        }

        _directory.Dispose();
    }
}
