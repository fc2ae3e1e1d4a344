namespace Interchange.Directory.Import;

public enum ImportEntryKind
{
    Domain,
    User,
    Alias,
    Group,
}
