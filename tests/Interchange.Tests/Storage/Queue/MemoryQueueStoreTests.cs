using Interchange.CoyoteTests.Queue;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;

namespace Interchange.Tests.Storage.Queue;

/// <summary>
/// The queue contract on the in-memory fakes the Coyote tests explore (tests/Interchange.CoyoteTests/Queue),
/// so that what Coyote proves about the categorizer and the local connector holds against a store
/// that behaves as the SQLite one does. Every opened pair shares one <see cref="MemoryQueueDatabase"/>.
/// </summary>
public sealed class MemoryQueueStoreTests : QueueStoreContractTests
{
    private readonly MemoryQueueDatabase _database = new();

    protected override Task<(IQueueStore Queue, IMailStore Mail)> OpenAsync(TimeProvider clock) =>
        Task.FromResult<(IQueueStore, IMailStore)>((new MemoryQueueStore(_database, clock), new MemoryDeliveryStore(_database)));

    protected override Task AddUsersAsync(params string[] keys)
    {
        _database.Transaction(db =>
        {
            db.Users.UnionWith(keys);
            return keys.Length;
        });
        return Task.CompletedTask;
    }

    protected override Task RemoveUserAsync(string key) =>
        Task.FromResult(_database.Transaction(db => db.Users.Remove(key)));
}
