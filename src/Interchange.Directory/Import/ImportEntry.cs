using Interchange.Storage.Accounts;

namespace Interchange.Directory.Import;

/// <summary>
/// One entry as a reader found it, before validation: the same shape whatever the format.
/// <paramref name="Error"/> set: the entry could not be read (the rest is empty).
/// <paramref name="Targets"/>: an alias's targets or a group's members, as written.
/// </summary>
public sealed record ImportEntry(
    int Line,
    ImportEntryKind Kind,
    string Address,
    string? PasswordHash = null,
    bool? Disabled = null,
    UserRole? Role = null,
    IReadOnlyList<string>? Targets = null,
    string? Error = null,
    IReadOnlyList<string>? Warnings = null)
{
    /// <summary>Not an entry: only <see cref="Warnings"/> about the file (an unknown column).</summary>
    public bool IsNote { get; init; }

    public static ImportEntry Failed(int line, string error) => new(line, ImportEntryKind.User, "", Error: error);
}
