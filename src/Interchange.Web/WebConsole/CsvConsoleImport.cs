using System.Text;
using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;

namespace Interchange.Web.WebConsole;

/// <summary>
/// The console's own CSV import, until the directory importer is wired in: a header row naming
/// the columns (<c>type,address,password,target</c>; <c>type</c> and <c>address</c> required),
/// then one entry per row: <c>domain</c>, <c>user</c> (password optional: without one the user
/// must be given one), <c>alias</c> (to <c>target</c>), <c>group</c> (with <c>target</c> as a
/// member). Each row is one change through <see cref="DirectoryService"/>, the directory's one
/// change path; an entry that already exists is left as it is, so a second run changes nothing.
/// Fields follow RFC 4180 (quotes, doubled quotes), one row per line.
/// </summary>
public sealed class CsvConsoleImport(DirectoryService directory, WebOptions options) : IConsoleImport
{
    /// <summary>Longest line read (a directory row is far shorter).</summary>
    public const int MaxLineLength = 8192;

    public IReadOnlyList<ConsoleImportFormat> Formats { get; } = [ConsoleImportFormat.Csv];

    public async Task<ConsoleImportReport> RunAsync(Stream input, long length, ConsoleImportFormat format, IProgress<ConsoleImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<ConsoleImportError>();
        long rows = 0, changed = 0, unchanged = 0, failed = 0, omitted = 0;
        void Fail(long line, string message)
        {
            failed++;
            if (errors.Count < options.Console.MaxImportErrors)
            {
                errors.Add(new ConsoleImportError(line, message));
            }
            else
            {
                omitted++;
            }
        }

        ConsoleImportReport Report() => new(rows, changed, unchanged, failed, errors, omitted);
        void Tell() => progress?.Report(new ConsoleImportProgress(input.CanSeek ? input.Position : 0, length, rows, changed, unchanged, failed));

        if (format != ConsoleImportFormat.Csv)
        {
            Fail(0, "this server's console reads CSV only");
            return Report();
        }

        using var reader = new StreamReader(input, new UTF8Encoding(false, throwOnInvalidBytes: false), detectEncodingFromByteOrderMarks: true, bufferSize: 16 * 1024, leaveOpen: true);
        Dictionary<string, int>? columns = null;
        long lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (columns is not null)
            {
                rows++; // every data line is a row, readable or not
            }

            if (line.Length > MaxLineLength)
            {
                Fail(lineNumber, $"the line is longer than {MaxLineLength} characters");
                continue;
            }

            if (!TryParseFields(line, out var fields, out var problem))
            {
                Fail(lineNumber, problem);
                continue;
            }

            if (columns is null)
            {
                columns = fields.Select((name, index) => (Name: name.Trim().ToLowerInvariant(), index))
                    .GroupBy(c => c.Name).ToDictionary(g => g.Key, g => g.First().index, StringComparer.Ordinal);
                if (!columns.ContainsKey("type") || !columns.ContainsKey("address"))
                {
                    Fail(lineNumber, "the first row must name the columns: type,address (and password, target as needed)");
                    Tell();
                    return Report();
                }

                continue;
            }

            string? Field(string name) => columns.TryGetValue(name, out var i) && i < fields.Count && fields[i].Trim().Length > 0 ? fields[i].Trim() : null;
            try
            {
                var done = await ApplyAsync(Field("type"), Field("address"), columns.TryGetValue("password", out var p) && p < fields.Count && fields[p].Length > 0 ? fields[p] : null, Field("target"), cancellationToken).ConfigureAwait(false);
                if (done)
                {
                    changed++;
                }
                else
                {
                    unchanged++;
                }
            }
            catch (DirectoryInputException ex)
            {
                Fail(lineNumber, ex.Message);
            }
            catch (DirectoryStoreException ex)
            {
                Fail(lineNumber, ex.Message);
            }

            if (rows % 25 == 0)
            {
                Tell();
            }
        }

        if (columns is null)
        {
            Fail(0, "the file has no header row");
        }

        Tell();
        return Report();
    }

    /// <summary>Applies one row; true if it changed the directory, false if it was already so.</summary>
    private async Task<bool> ApplyAsync(string? type, string? address, string? password, string? target, CancellationToken cancellationToken)
    {
        if (address is null)
        {
            throw new DirectoryInputException("the address is empty");
        }

        try
        {
            switch (type?.ToLowerInvariant())
            {
                case "domain":
                    await directory.AddDomainAsync(address, cancellationToken).ConfigureAwait(false);
                    return true;
                case "user":
                    await directory.AddUserAsync(address, password, cancellationToken).ConfigureAwait(false);
                    return true;
                case "alias":
                    await directory.AddAliasAsync(address, target ?? throw new DirectoryInputException("an alias needs a target"), cancellationToken).ConfigureAwait(false);
                    return true;
                case "group":
                    var created = await AddGroupIfMissingAsync(address, cancellationToken).ConfigureAwait(false);
                    if (target is not null)
                    {
                        try
                        {
                            await directory.AddGroupMemberAsync(address, target, cancellationToken).ConfigureAwait(false);
                            return true;
                        }
                        catch (DirectoryStoreException ex) when (ex.Error == DirectoryStoreError.Duplicate)
                        {
                            return created;
                        }
                    }

                    return created;
                default:
                    throw new DirectoryInputException($"type '{type}': write domain, user, alias or group");
            }
        }
        catch (DirectoryStoreException ex) when (ex.Error == DirectoryStoreError.Duplicate)
        {
            return false; // already there: a re-run is a no-op
        }
    }

    private async Task<bool> AddGroupIfMissingAsync(string address, CancellationToken cancellationToken)
    {
        try
        {
            await directory.AddGroupAsync(address, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DirectoryStoreException ex) when (ex.Error == DirectoryStoreError.Duplicate)
        {
            return false;
        }
    }

    /// <summary>Splits one CSV record (RFC 4180 section 2: quoted fields, "" for a quote inside one).</summary>
    public static bool TryParseFields(string line, out List<string> fields, out string problem)
    {
        ArgumentNullException.ThrowIfNull(line);
        fields = [];
        problem = string.Empty;
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        problem = "a quoted field is not closed (fields may not span lines here)";
                        return false;
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append(line[i++]);
                }

                if (i < line.Length && line[i] != ',')
                {
                    problem = $"unexpected character after a quoted field at column {i + 1}";
                    return false;
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    field.Append(line[i++]);
                }
            }

            fields.Add(field.ToString());
            if (i >= line.Length)
            {
                return true;
            }

            i++; // the comma
        }
    }
}
