namespace Interchange.Web.WebConsole;

/// <summary>
/// What the console's import page runs on an uploaded file: reads it, applies it through the
/// directory's one change path, reports progress as it goes, and returns the counts and the
/// line-numbered errors (good rows still import). The console owns the job around it (one at a
/// time, size-limited upload, progress polled by the page); the implementation owns the format.
/// <see cref="DirectoryConsoleImport"/> runs the directory's importer (CSV and LDIF).
/// </summary>
public interface IConsoleImport
{
    /// <summary>The formats this implementation reads (the page offers only these).</summary>
    IReadOnlyList<ConsoleImportFormat> Formats { get; }

    /// <summary>
    /// Imports <paramref name="input"/> (<paramref name="length"/> bytes, for progress). Bad rows
    /// are reported, not thrown; only cancellation ends it early.
    /// </summary>
    Task<ConsoleImportReport> RunAsync(Stream input, long length, ConsoleImportFormat format, IProgress<ConsoleImportProgress>? progress, CancellationToken cancellationToken);
}
