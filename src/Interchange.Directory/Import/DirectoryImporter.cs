using System.Security.Cryptography;
using System.Text;
using Interchange.Core.Addressing;
using Interchange.Directory.Passwords;
using Interchange.Storage.Accounts;

namespace Interchange.Directory.Import;

/// <summary>
/// Bulk import (docs/IMPORT.md): reads a CSV or LDIF file, validates each entry with the same
/// parsing as <see cref="Administration.DirectoryService"/>, and applies the entries through
/// <see cref="IDirectoryStore.ApplyAsync"/> in batches, each one transaction with its checkpoint.
/// Every entry says what should be, so a second run changes nothing; with a run id, a run that
/// was interrupted resumes after its last committed batch. Bad entries are reported with their
/// line and the good ones still import. The CLI, the admin API and the web console call this.
/// </summary>
public sealed class DirectoryImporter(IDirectoryStore store)
{
    /// <summary>
    /// A run id for <paramref name="input"/> read in <paramref name="format"/>: SHA-256 of the
    /// format and the content. The stream must be seekable; it is left at its start.
    /// </summary>
    public static async Task<string> ComputeRunIdAsync(Stream input, ImportFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.ASCII.GetBytes($"interchange-import/1 {format}\n"));
        var buffer = new byte[81920];
        input.Position = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        input.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public async Task<ImportReport> ImportAsync(Stream input, ImportFormat format, ImportOptions options, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        if (options.BatchSize is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "the batch size must be between 1 and 100000");
        }

        var run = new Run(options, input.CanSeek ? input.Length : null);
        long skip = 0;
        if (options.RunId is { } runId && !options.DryRun && !options.Restart
            && await store.GetImportCheckpointAsync(runId, cancellationToken).ConfigureAwait(false) is { Finished: false } checkpoint)
        {
            skip = checkpoint.Position;
        }

        var counting = new CountingStream(input);
        using var text = new StreamReader(counting, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        IImportReader reader = format == ImportFormat.Ldif
            ? new LdifDirectoryReader(text, options.MaxLineLength)
            : new CsvDirectoryReader(text, options.MaxLineLength);

        var batch = new List<DirectoryOperation>(options.BatchSize + 8);
        var domains = new HashSet<string>(StringComparer.Ordinal);
        long position = 0;
        try
        {
            await foreach (var entry in reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                position++;
                if (position <= skip)
                {
                    continue;
                }

                if (position == skip + 1 && skip > 0)
                {
                    run.ResumedAtLine = entry.Line;
                }

                foreach (var warning in entry.Warnings ?? [])
                {
                    run.Warn(entry.Line, warning);
                }

                if (entry.IsNote)
                {
                    continue;
                }

                run.Entries++;
                if (entry.Error is not null)
                {
                    run.Fail(entry.Line, entry.Error);
                }
                else if (ToOperations(entry, options, domains, run) is { } operations)
                {
                    batch.AddRange(operations);
                }

                if (options.DryRun)
                {
                    // A dry run is one transaction, rolled back at the end: a later entry must see
                    // what the earlier ones would have made (its domain, the target it names).
                    if (run.Entries % options.BatchSize == 0)
                    {
                        progress?.Report(new ImportProgress(counting.BytesRead, run.Total, run.Entries, 0, 0, 0, run.ErrorCount));
                    }
                }
                else if (batch.Count >= options.BatchSize)
                {
                    await FlushAsync(batch, position, finished: false, run, counting, progress, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (InvalidDataException ex)
        {
            // The file as a whole is unreadable (no header, an unsupported version): what was committed stays.
            run.Fatal = ex.Message;
        }

        await FlushAsync(batch, position, finished: run.Fatal is null, run, counting, progress, cancellationToken).ConfigureAwait(false);
        return run.Report(Math.Min(skip, position), options.DryRun);
    }

    private async Task FlushAsync(List<DirectoryOperation> batch, long position, bool finished, Run run, CountingStream counting, IProgress<ImportProgress>? progress, CancellationToken cancellationToken)
    {
        var checkpoint = run.Options.RunId is { } id && run.Fatal is null ? new ImportCheckpoint(id, run.Options.Description, position, finished) : null;
        if (batch.Count > 0 || checkpoint is not null)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var result = await store.ApplyAsync(new DirectoryBatch(batch.ToList(), checkpoint, run.Options.DryRun), cancellationToken).ConfigureAwait(false);
            if (!finished && run.Options.YieldBetweenBatches)
            {
                // Seed Q274403: a bulk import must not starve live mail. SQLite's write lock is not
                // fair: a server waiting for it (another process) polls with sleeps of up to 100 ms
                // and misses the instant between two batches committed back to back (seen: its
                // writer, and so the inbound queue, held up 2 s at a time). So the store is left
                // idle between batches for as long as the batch held it (20 to 250 ms).
                var held = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(held.TotalMilliseconds, 20, 250)), cancellationToken).ConfigureAwait(false);
            }
            foreach (var outcome in result.Outcomes)
            {
                switch (outcome.Status)
                {
                    case DirectoryOperationStatus.Created: run.Created++; break;
                    case DirectoryOperationStatus.Changed: run.Changed++; break;
                    case DirectoryOperationStatus.Unchanged: run.Unchanged++; break;
                    case DirectoryOperationStatus.Removed: run.Removed++; break;
                    default: run.Fail(outcome.Line, outcome.Error ?? "refused"); break;
                }
            }
        }

        batch.Clear();
        progress?.Report(new ImportProgress(counting.BytesRead, run.Total, run.Entries, run.Created, run.Changed, run.Unchanged, run.ErrorCount));
    }

    /// <summary>An entry as directory operations (its domain first, the first time it is seen), or null with the error reported.</summary>
    private static List<DirectoryOperation>? ToOperations(ImportEntry entry, ImportOptions options, HashSet<string> domains, Run run)
    {
        var operations = new List<DirectoryOperation>(2);
        void Domain(string name)
        {
            if (domains.Add(name))
            {
                operations.Add(new EnsureDomain(entry.Line, name));
            }
        }

        if (entry.Kind == ImportEntryKind.Domain)
        {
            if (!DomainName.TryParse(entry.Address, out var domain, out var domainError))
            {
                run.Fail(entry.Line, $"{entry.Address}: {domainError}");
                return null;
            }

            domains.Add(domain.Value);
            operations.Add(new EnsureDomain(entry.Line, domain.Value));
            return operations;
        }

        string key, address, domainName;
        if (entry.Kind == ImportEntryKind.Alias && entry.Address.StartsWith('@'))
        {
            if (!DomainName.TryParse(entry.Address[1..], out var catchAll, out var catchAllError))
            {
                run.Fail(entry.Line, $"{entry.Address}: {catchAllError}");
                return null;
            }

            (key, address, domainName) = ("@" + catchAll.Value, "@" + catchAll.Value, catchAll.Value);
        }
        else if (EmailAddress.TryParse(entry.Address, out var parsed, out var error))
        {
            (key, address, domainName) = (parsed.Key, parsed.Value, parsed.Domain.Value);
        }
        else
        {
            run.Fail(entry.Line, $"{Shorten(entry.Address)}: {error}");
            return null;
        }

        var references = new List<DirectoryReference>();
        foreach (var target in entry.Targets ?? [])
        {
            if (!EmailAddress.TryParse(target, out var parsedTarget, out var targetError))
            {
                run.Fail(entry.Line, $"{address}: target {Shorten(target)}: {targetError}");
                return null;
            }

            references.Add(new DirectoryReference(parsedTarget.Value, parsedTarget.Key));
        }

        if (options.CreateDomains)
        {
            Domain(domainName);
        }

        switch (entry.Kind)
        {
            case ImportEntryKind.User:
                var hash = entry.PasswordHash?.Trim();
                if (hash is { Length: > 0 } && !PasswordHasher.IsSupported(hash))
                {
                    run.Warn(entry.Line, $"{address}: the password hash is in no format Interchange verifies ($pbkdf2-sha256$, {{SSHA}}, {{SSHA256}}, {{SSHA512}}); the user must be given a password");
                    hash = null;
                }

                operations.Add(new EnsureUser(entry.Line, key, address, domainName, hash is { Length: > 0 } ? hash : null, entry.Disabled, entry.Role));
                break;
            case ImportEntryKind.Alias:
                if (references.Count == 0)
                {
                    run.Fail(entry.Line, $"alias {address} has no targets");
                    return null;
                }

                operations.Add(new EnsureAlias(entry.Line, key, address, domainName, references));
                break;
            default:
                operations.Add(new EnsureGroup(entry.Line, key, address, domainName, references));
                break;
        }

        return operations;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    /// <summary>The tallies of one run.</summary>
    private sealed class Run(ImportOptions options, long? total)
    {
        private readonly List<ImportIssue> _errors = [];
        private readonly List<ImportIssue> _warnings = [];

        public ImportOptions Options => options;

        public long? Total => total;

        public long Entries { get; set; }

        public long Created { get; set; }

        public long Changed { get; set; }

        public long Unchanged { get; set; }

        public long Removed { get; set; }

        public long ErrorCount { get; private set; }

        public int ResumedAtLine { get; set; }

        public string? Fatal { get; set; }

        public void Fail(int line, string message)
        {
            ErrorCount++;
            if (_errors.Count < options.MaxIssues)
            {
                _errors.Add(new ImportIssue(line, message));
            }
        }

        public void Warn(int line, string message)
        {
            if (_warnings.Count < options.MaxIssues)
            {
                _warnings.Add(new ImportIssue(line, message, IsWarning: true));
            }
        }

        public ImportReport Report(long skipped, bool dryRun) => new()
        {
            Entries = Entries,
            Created = Created,
            Changed = Changed,
            Unchanged = Unchanged,
            Removed = Removed,
            ErrorCount = ErrorCount,
            Errors = _errors.OrderBy(e => e.Line).ToList(),
            Warnings = _warnings.OrderBy(e => e.Line).ToList(),
            SkippedEntries = skipped,
            ResumedAtLine = ResumedAtLine,
            DryRun = dryRun,
            Fatal = Fatal,
        };
    }
}
