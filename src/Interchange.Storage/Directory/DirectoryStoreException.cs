namespace Interchange.Storage.Directory;

/// <summary>A directory change refused by the store, with a message fit for an administrator.</summary>
public sealed class DirectoryStoreException(DirectoryStoreError error, string message) : Exception(message)
{
    public DirectoryStoreError Error { get; } = error;
}
