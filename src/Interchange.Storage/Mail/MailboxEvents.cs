using System.Collections.Concurrent;

namespace Interchange.Storage.Mail;

/// <summary>
/// In-process notice that a user's mailboxes changed (a delivery, a STORE, an expunge), for IMAP
/// IDLE (ARCHITECTURE.md section 3, step 4). A per-user version counter makes it race-free: a
/// waiter says which version it has seen and returns as soon as there is a newer one, so a change
/// between its last look and its wait is never missed. A notice is a hint: the session then
/// reads the store. Lock-free; one small entry per user that ever had a change.
/// </summary>
public sealed class MailboxEvents
{
    private readonly ConcurrentDictionary<string, Counter> _users = new(StringComparer.Ordinal);

    /// <summary>The user's current version; pass it to <see cref="WaitAsync"/>.</summary>
    public long Version(string userKey) => _users.TryGetValue(userKey, out var counter) ? counter.Version : 0;

    /// <summary>Called after a committed change to one of the user's mailboxes.</summary>
    public void Notify(string userKey) => _users.GetOrAdd(userKey, static _ => new Counter()).Advance();

    /// <summary>Completes once the user's version is above <paramref name="seen"/>.</summary>
    public async Task WaitAsync(string userKey, long seen, CancellationToken cancellationToken)
    {
        var counter = _users.GetOrAdd(userKey, static _ => new Counter());
        while (true)
        {
            var next = counter.Next; // read before the version: a change after this completes it
            if (counter.Version > seen)
            {
                return;
            }

            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class Counter
    {
        private long _version;
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long Version => Interlocked.Read(ref _version);

        public Task Next => Volatile.Read(ref _next).Task;

        public void Advance()
        {
            Interlocked.Increment(ref _version);
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }
}
