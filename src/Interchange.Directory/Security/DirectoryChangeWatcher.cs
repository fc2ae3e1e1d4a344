using Interchange.Storage.Accounts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Directory.Security;

/// <summary>
/// Follows the directory's change log so that changes made by another process (the admin CLI,
/// another node) reach this one's caches within one poll interval: a credential change revokes
/// the user's context, an alias change rebuilds it, a group or domain change rebuilds all.
/// </summary>
public sealed class DirectoryChangeWatcher(IDirectoryStore store, SecurityContextCache contexts, ILogger<DirectoryChangeWatcher>? logger = null)
{
    private const int PageSize = 500;
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private long _position = -1;

    /// <summary>The last change applied.</summary>
    public long Position => Interlocked.Read(ref _position);

    /// <summary>Starts from the newest change: contexts cached before now do not exist yet.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _position, await store.LatestChangeAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Applies every change logged since the last poll; returns how many.</summary>
    public async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        if (Position < 0)
        {
            await StartAsync(cancellationToken).ConfigureAwait(false);
        }

        var applied = 0;
        while (true)
        {
            var changes = await store.ChangesSinceAsync(Position, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var change in changes)
            {
                var dropped = change.Scope switch
                {
                    DirectoryChangeScope.Credentials => contexts.Invalidate(change.Subject, revoke: true) ? 1 : 0,
                    DirectoryChangeScope.User => contexts.Invalidate(change.Subject, revoke: false) ? 1 : 0,
                    _ => contexts.InvalidateAll(),
                };
                _logger.LogInformation("Directory change {Sequence}: {What} ({Subject}); dropped {Dropped} cached security context(s)", change.Sequence, change.What, change.Subject, dropped);
                Interlocked.Exchange(ref _position, change.Sequence);
            }

            applied += changes.Count;
            if (changes.Count < PageSize)
            {
                return applied;
            }
        }
    }

    /// <summary>Polls every <paramref name="interval"/> until cancelled; a failed poll is logged and retried.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                try
                {
                    await PollAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogError(ex, "Reading the directory change log failed; retrying");
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
