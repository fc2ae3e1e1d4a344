using Interchange.Storage.Accounts;
using Interchange.Storage.Changes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Directory.Security;

/// <summary>
/// Follows the directory's change log so that changes reach this process's caches: a credential
/// change revokes the user's context, an alias change rebuilds it, a group or domain change
/// rebuilds all. It reads the log when the change feed says the directory changed (a writer that
/// shares the feed: this process, or another node once the feed crosses nodes) and, as the
/// fallback, every poll interval (writers the feed does not reach: the admin CLI on SQLite). The
/// feed's event is only a hint; what is applied is always what the log says.
/// </summary>
public sealed class DirectoryChangeWatcher(IDirectoryStore store, SecurityContextCache contexts, ILogger<DirectoryChangeWatcher>? logger = null, IChangeFeed? feed = null)
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

    /// <summary>
    /// Reads the log at once, then whenever the feed announces a directory change and at the
    /// latest every <paramref name="interval"/>, until cancelled; a failed read is logged and retried.
    /// </summary>
    public Task RunAsync(TimeSpan interval, CancellationToken cancellationToken) =>
        ChangeFollower.RunAsync(feed, ChangeTopic.Directory, interval, async ct => await PollAsync(ct).ConfigureAwait(false), ex => _logger.LogError(ex, "Reading the directory change log failed; retrying"), cancellationToken);
}
