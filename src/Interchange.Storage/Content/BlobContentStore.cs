using Interchange.Storage.Blobs;

namespace Interchange.Storage.Content;

/// <summary>Content kept only as file blobs (every message, whatever its size).</summary>
public sealed class BlobContentStore(IBlobStore blobs) : IMessageContentStore
{
    public MessageContent Open(BlobRef content) => new BlobContent(blobs, content);
}
