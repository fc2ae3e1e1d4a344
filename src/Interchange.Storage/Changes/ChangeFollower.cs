namespace Interchange.Storage.Changes;

/// <summary>
/// The loop of everything that keeps a copy of stored state (the directory's change log, the
/// routing table): read at once, then whenever the feed announces a change on the topic and at
/// the latest every interval (the fallback for changes the feed cannot carry, such as another
/// process's), until cancelled. A failed read is reported and retried at the next wake.
/// </summary>
public static class ChangeFollower
{
    public static async Task RunAsync(IChangeFeed? feed, ChangeTopic topic, TimeSpan interval, Func<CancellationToken, Task> read, Action<Exception> failed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(failed);
        try
        {
            while (true)
            {
                // The feed's version is taken before the read: a change committed while reading
                // moves the version, so the wait below returns at once.
                var seen = feed?.Version(topic, string.Empty) ?? 0;
                try
                {
                    await read(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed(ex);
                }

                await WaitAsync(feed, topic, seen, interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static async Task WaitAsync(IChangeFeed? feed, ChangeTopic topic, long seen, TimeSpan interval, CancellationToken cancellationToken)
    {
        if (feed is null)
        {
            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var intervalOver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        intervalOver.CancelAfter(interval);
        try
        {
            await feed.WaitAsync(topic, string.Empty, seen, intervalOver.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The interval passed with no event: read anyway (the fallback).
        }
    }
}
