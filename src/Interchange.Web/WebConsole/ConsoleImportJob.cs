namespace Interchange.Web.WebConsole;

/// <summary>
/// One import running in the background for the administrator who started it. Its state is a
/// set of immutable values swapped in atomically, so the page that polls it reads without a lock.
/// </summary>
public sealed class ConsoleImportJob : IProgress<ConsoleImportProgress>
{
    private readonly CancellationTokenSource _cancel;
    private ConsoleImportProgress _progress;
    private ConsoleImportReport? _report;
    private string? _failure;
    private int _finished;

    internal ConsoleImportJob(string owner, string fileName, long length, DateTimeOffset started, CancellationToken stopping)
    {
        Owner = owner;
        FileName = fileName;
        Started = started;
        _progress = new ConsoleImportProgress(0, length, 0, 0, 0, 0);
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    /// <summary>The user key of the administrator who started it: only they see its details and may cancel it.</summary>
    public string Owner { get; }

    public string FileName { get; }

    public DateTimeOffset Started { get; }

    public ConsoleImportProgress Progress => Volatile.Read(ref _progress);

    /// <summary>The result, once finished (null if it failed or was cancelled before one).</summary>
    public ConsoleImportReport? Report => Volatile.Read(ref _report);

    /// <summary>Why it stopped without a report (cancelled, an error), or null.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    public bool Finished => Volatile.Read(ref _finished) != 0;

    public DateTimeOffset? Ended { get; private set; }

    internal CancellationToken Token => _cancel.Token;

    /// <summary>Asks the import to stop; nothing if it has finished (also when it finishes meanwhile).</summary>
    public void Cancel()
    {
        if (Finished)
        {
            return;
        }

        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It finished between the check and the cancel: nothing to stop.
        }
    }

    void IProgress<ConsoleImportProgress>.Report(ConsoleImportProgress value) => Volatile.Write(ref _progress, value);

    internal void Complete(ConsoleImportReport? report, string? failure, DateTimeOffset ended)
    {
        Ended = ended;
        Volatile.Write(ref _report, report);
        Volatile.Write(ref _failure, failure);
        Volatile.Write(ref _finished, 1);
        _cancel.Dispose();
    }
}
