namespace Interchange.Storage.Directory;

public enum DirectoryStoreError
{
    NotFound,
    Duplicate,
    Conflict,
}
