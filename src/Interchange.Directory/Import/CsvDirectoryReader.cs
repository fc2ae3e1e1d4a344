using System.Runtime.CompilerServices;
using Interchange.Storage.Accounts;

namespace Interchange.Directory.Import;

/// <summary>
/// The directory in CSV (docs/IMPORT.md): a header row naming the columns (any order, names
/// case-insensitive; <c>type</c> and <c>address</c> required), then one entry per row:
/// <c>type</c> domain|user|alias|group, <c>address</c>, <c>password_hash</c>, <c>disabled</c>
/// (true/false, empty: leave as is), <c>role</c> (user/admin, empty: leave as is), <c>targets</c>
/// (an alias's targets or a group's members, separated by spaces).
/// </summary>
public sealed class CsvDirectoryReader(TextReader reader, int maxRecordLength = 1 << 20) : IImportReader
{
    public static readonly IReadOnlyList<string> Columns = ["type", "address", "password_hash", "disabled", "role", "targets"];

    public async IAsyncEnumerable<ImportEntry> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, int>? header = null;
        var width = 0;
        await foreach (var row in new CsvRowReader(reader, maxRecordLength).ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (header is null)
            {
                if (row.Error is not null)
                {
                    throw new InvalidDataException($"line {row.Line}: the header row cannot be read: {row.Error}");
                }

                header = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < row.Fields.Count; i++)
                {
                    header.TryAdd(row.Fields[i].Trim().TrimStart('\uFEFF'), i);
                }

                if (!header.ContainsKey("type") || !header.ContainsKey("address"))
                {
                    throw new InvalidDataException($"line {row.Line}: the first row must be a header naming at least the columns 'type' and 'address' (known: {string.Join(",", Columns)})");
                }

                width = row.Fields.Count;
                var unknown = header.Keys.Where(k => !Columns.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
                if (unknown.Count > 0)
                {
                    yield return new ImportEntry(row.Line, ImportEntryKind.Domain, "", Error: null, Warnings: [$"unknown columns ignored: {string.Join(", ", unknown)}"]) { IsNote = true };
                }

                continue;
            }

            if (row.Error is not null)
            {
                yield return ImportEntry.Failed(row.Line, row.Error);
                continue;
            }

            if (row.Fields.Count != width)
            {
                yield return ImportEntry.Failed(row.Line, $"the row has {row.Fields.Count} fields; the header has {width}");
                continue;
            }

            yield return ToEntry(row, header);
        }

        if (header is null)
        {
            throw new InvalidDataException("the file is empty: expected a header row (type,address,...)");
        }
    }

    private static ImportEntry ToEntry(CsvRow row, Dictionary<string, int> header)
    {
        string Field(string name) => header.TryGetValue(name, out var i) ? row.Fields[i].Trim() : "";

        var type = Field("type").ToLowerInvariant();
        ImportEntryKind kind;
        switch (type)
        {
            case "domain": kind = ImportEntryKind.Domain; break;
            case "user": kind = ImportEntryKind.User; break;
            case "alias": kind = ImportEntryKind.Alias; break;
            case "group": kind = ImportEntryKind.Group; break;
            default: return ImportEntry.Failed(row.Line, $"unknown type '{Field("type")}' (domain, user, alias or group)");
        }

        var address = Field("address");
        if (address.Length == 0)
        {
            return ImportEntry.Failed(row.Line, "the address is empty");
        }

        bool? disabled = null;
        switch (Field("disabled").ToLowerInvariant())
        {
            case "": break;
            case "true" or "yes" or "1": disabled = true; break;
            case "false" or "no" or "0": disabled = false; break;
            default: return ImportEntry.Failed(row.Line, $"disabled must be true or false, not '{Field("disabled")}'");
        }

        UserRole? role = null;
        switch (Field("role").ToLowerInvariant())
        {
            case "": break;
            case "user": role = UserRole.User; break;
            case "admin": role = UserRole.Admin; break;
            default: return ImportEntry.Failed(row.Line, $"role must be user or admin, not '{Field("role")}'");
        }

        var hash = Field("password_hash");
        var targets = Field("targets").Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (kind is ImportEntryKind.Domain or ImportEntryKind.User && targets.Length > 0)
        {
            return ImportEntry.Failed(row.Line, $"a {type} has no targets");
        }

        return new ImportEntry(row.Line, kind, address, hash.Length == 0 ? null : hash, disabled, role, targets);
    }
}
