using Interchange.Directory.Import;
using Interchange.Storage.Accounts;

namespace Interchange.Web.WebConsole;

/// <summary>
/// The console's import is the directory's importer (<see cref="DirectoryImporter"/>, the same as
/// <c>interchange import</c>): CSV and LDIF, batches through the directory's one change path
/// (<see cref="IDirectoryStore.ApplyAsync"/>), line-numbered errors with the good rows imported,
/// idempotent, and resumable: an upload of the same file after an interrupted run (a server
/// stop) goes on from its last committed batch.
/// </summary>
public sealed class DirectoryConsoleImport(IDirectoryStore store, WebOptions options) : IConsoleImport
{
    public IReadOnlyList<ConsoleImportFormat> Formats { get; } = [ConsoleImportFormat.Csv, ConsoleImportFormat.Ldif];

    public async Task<ConsoleImportReport> RunAsync(Stream input, long length, ConsoleImportFormat format, IProgress<ConsoleImportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var importFormat = format == ConsoleImportFormat.Ldif ? ImportFormat.Ldif : ImportFormat.Csv;
        string? runId = null;
        if (input.CanSeek)
        {
            runId = await DirectoryImporter.ComputeRunIdAsync(input, importFormat, cancellationToken).ConfigureAwait(false);
            input.Position = 0;
        }

        var importOptions = new ImportOptions { RunId = runId, Description = "web console import", MaxIssues = options.Console.MaxImportErrors };
        var relay = progress is null ? null : new Relay(progress, length);
        var report = await new DirectoryImporter(store).ImportAsync(input, importFormat, importOptions, relay, cancellationToken).ConfigureAwait(false);
        var errors = report.Errors.Select(e => new ConsoleImportError(e.Line, e.Message)).ToList();
        if (report.Fatal is { } fatal)
        {
            errors.Insert(0, new ConsoleImportError(0, fatal));
        }

        var changed = report.Created + report.Changed + report.Removed;
        var failed = report.ErrorCount + (report.Fatal is null ? 0 : 1);
        progress?.Report(new ConsoleImportProgress(length, length, changed + report.Unchanged + failed, changed, report.Unchanged, failed));
        return new ConsoleImportReport(changed + report.Unchanged + failed, changed, report.Unchanged, failed, errors, Math.Max(0, failed - errors.Count));
    }

    /// <summary>The importer's progress (after each committed batch) in the console's terms.</summary>
    private sealed class Relay(IProgress<ConsoleImportProgress> target, long length) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value)
        {
            var changed = value.Created + value.Changed;
            target.Report(new ConsoleImportProgress(value.Position, value.Total ?? length, changed + value.Unchanged + value.Failed, changed, value.Unchanged, value.Failed));
        }
    }
}
