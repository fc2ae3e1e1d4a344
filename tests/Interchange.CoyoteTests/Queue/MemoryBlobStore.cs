using Interchange.Storage.Blobs;

namespace Interchange.CoyoteTests.Queue;

/// <summary>Message contents by id, for the categorizer's one parse of each message.</summary>
internal sealed class MemoryBlobStore : IBlobStore
{
    private readonly Dictionary<BlobId, byte[]> _contents = [];

    public BlobRef Add(byte[] content)
    {
        var id = BlobId.Of(content);
        _contents[id] = content;
        return new BlobRef(id, content.Length);
    }

    public Stream OpenRead(BlobId id) => _contents.TryGetValue(id, out var content) ? new MemoryStream(content, writable: false) : throw new FileNotFoundException($"no blob {id}");

    public bool Exists(BlobId id) => _contents.ContainsKey(id);

    public Task<BlobRef> WriteAsync(Stream content, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public IBlobWriter BeginWrite() => throw new NotSupportedException();

    public bool Delete(BlobId id) => throw new NotSupportedException();

    public IEnumerable<StoredBlob> Enumerate() => throw new NotSupportedException();
}
