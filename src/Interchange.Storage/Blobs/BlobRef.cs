namespace Interchange.Storage.Blobs;

/// <summary>A stored blob: its id and length in bytes.</summary>
public readonly record struct BlobRef(BlobId Id, long Length);
