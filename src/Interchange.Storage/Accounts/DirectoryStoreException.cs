namespace Interchange.Storage.Accounts;

/// <summary>A directory change refused by the store, with a message fit for an administrator.</summary>
public sealed class DirectoryStoreException(DirectoryStoreError error, string message) : StoreException(message)
{
    public DirectoryStoreError Error { get; } = error;
}
