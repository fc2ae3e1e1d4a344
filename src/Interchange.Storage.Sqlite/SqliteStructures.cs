using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Microsoft.Data.Sqlite;

namespace Interchange.Storage.Sqlite;

/// <summary>The message_structures table, shared by the queue store (at accept) and the mail store (APPEND, first use).</summary>
internal static class SqliteStructures
{
    /// <summary>Keeps a structure in the caller's transaction; one already kept for the content stays.</summary>
    public static void Save(SqliteWriteContext w, StoredStructure structure) =>
        w.Execute(
            "INSERT INTO message_structures(blob, message_id, limits, structure) VALUES (@blob, @messageId, @limits, @structure) ON CONFLICT(blob) DO NOTHING",
            new { blob = structure.Blob.Hex, messageId = structure.MessageId, limits = structure.Limits, structure = structure.Structure });

    public static StoredStructure? Find(SqliteConnection connection, BlobId blob)
    {
        var row = connection.QuerySingleOrDefault<(string? MessageId, long Limits, byte[] Structure)?>(
            "SELECT message_id, limits, structure FROM message_structures WHERE blob = @blob", new { blob = blob.Hex });
        return row is { } r ? new StoredStructure(blob, r.MessageId, (int)r.Limits, r.Structure) : null;
    }
}
