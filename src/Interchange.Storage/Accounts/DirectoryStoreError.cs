namespace Interchange.Storage.Accounts;

public enum DirectoryStoreError
{
    NotFound,
    Duplicate,
    Conflict,
}
