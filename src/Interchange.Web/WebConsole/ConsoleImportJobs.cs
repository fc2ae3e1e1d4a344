using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interchange.Web.WebConsole;

/// <summary>
/// The console's import jobs: one at a time for the whole server (a second start while one runs
/// is refused), run in the background with progress the page polls, stopped with the server.
/// The one slot is taken by compare-and-swap (no lock: ARCHITECTURE.md section 4).
/// </summary>
public sealed class ConsoleImportJobs(IConsoleImport importer, IHostApplicationLifetime lifetime, ILogger<ConsoleImportJobs> logger, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private ConsoleImportJob? _current;

    public IConsoleImport Importer => importer;

    /// <summary>The running import, or the last one to finish (null before the first).</summary>
    public ConsoleImportJob? Current => Volatile.Read(ref _current);

    /// <summary>
    /// Starts importing <paramref name="content"/> (the job owns and disposes it) for
    /// <paramref name="owner"/>; null when an import is running already (the content is disposed).
    /// </summary>
    public ConsoleImportJob? TryStart(string owner, string fileName, Stream content, ConsoleImportFormat format)
    {
        ArgumentNullException.ThrowIfNull(content);
        var previous = Volatile.Read(ref _current);
        var job = new ConsoleImportJob(owner, fileName, content.Length, _clock.GetUtcNow(), lifetime.ApplicationStopping);
        if (previous is { Finished: false } || Interlocked.CompareExchange(ref _current, job, previous) != previous)
        {
            content.Dispose();
            job.Complete(null, "not started", _clock.GetUtcNow());
            return null;
        }

        _ = Task.Run(() => RunAsync(job, content, format));
        return job;
    }

    private async Task RunAsync(ConsoleImportJob job, Stream content, ConsoleImportFormat format)
    {
        ConsoleImportReport? report = null;
        string? failure = null;
        try
        {
            await using (content.ConfigureAwait(false))
            {
                logger.LogInformation("Console import of {File} ({Bytes} bytes) started by {User}", job.FileName, content.Length, job.Owner);
                report = await importer.RunAsync(content, content.Length, format, job, job.Token).ConfigureAwait(false);
                logger.LogInformation(
                    "Console import of {File} by {User}: {Rows} rows, {Changed} changed, {Unchanged} unchanged, {Failed} refused",
                    job.FileName, job.Owner, report.Rows, report.Changed, report.Unchanged, report.Failed);
            }
        }
        catch (OperationCanceledException)
        {
            failure = "cancelled";
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or Interchange.Storage.StoreException)
        {
            logger.LogError(ex, "Console import of {File} by {User} failed", job.FileName, job.Owner);
            failure = "the import stopped: " + ex.Message;
        }
        finally
        {
            job.Complete(report, failure, _clock.GetUtcNow());
        }
    }
}
