namespace Interchange.Storage.Blobs;

/// <summary>A blob found in the store: its id, length and when it was last written.</summary>
public sealed record StoredBlob(BlobId Id, long Length, DateTimeOffset Written);
