using Interchange.Storage.Blobs;

namespace Interchange.Storage.Content;

/// <summary>
/// An accepted message's content ready to be recorded: its id (SHA-256) and length, and, for a
/// message small enough to keep in the database, its bytes, which are not yet durable: they
/// become durable in the transaction that queues the message. Without bytes, the content is a
/// file blob already on disk.
/// </summary>
public sealed record StagedContent(BlobRef Ref, byte[]? Inline);
