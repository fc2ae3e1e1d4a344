using Interchange.Storage.Changes;

namespace Interchange.Storage.Mail;

/// <summary>
/// Notice that a user's mailboxes changed (a delivery, a STORE, an expunge), for IMAP IDLE
/// (ARCHITECTURE.md section 3, step 4): the <see cref="ChangeTopic.Mailbox"/> topic of the change
/// feed, keyed by user. A waiter says which version it has seen and returns as soon as there is
/// a newer one, so a change between its last look and its wait is never missed. A notice is a
/// hint: the session then reads the store.
/// </summary>
public sealed class MailboxEvents(IChangeFeed? feed = null)
{
    /// <summary>The feed this is a topic of.</summary>
    public IChangeFeed Feed { get; } = feed ?? new InProcessChangeFeed();

    /// <summary>The user's current version; pass it to <see cref="WaitAsync"/>.</summary>
    public long Version(string userKey) => Feed.Version(ChangeTopic.Mailbox, userKey);

    /// <summary>Called after a committed change to one of the user's mailboxes.</summary>
    public void Notify(string userKey) => Feed.Publish(ChangeTopic.Mailbox, userKey);

    /// <summary>Completes once the user's version is above <paramref name="seen"/>.</summary>
    public Task WaitAsync(string userKey, long seen, CancellationToken cancellationToken) =>
        Feed.WaitAsync(ChangeTopic.Mailbox, userKey, seen, cancellationToken);
}
