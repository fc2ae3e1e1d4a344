using Interchange.Storage.Accounts;

namespace Interchange.Storage.Sqlite;

public sealed partial class SqliteDirectoryStore
{
    /// <summary>Bulk changes in one transaction (see <see cref="DirectoryBatch"/>).</summary>
    public Task<DirectoryBatchResult> ApplyAsync(DirectoryBatch batch, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("issue 12: the batch path is being written (import helper)");
}
