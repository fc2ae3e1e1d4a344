namespace Interchange.Storage.Changes;

/// <summary>
/// What kind of thing changed. The names are the wire names a cross-node feed uses
/// (PostgreSQL: the NOTIFY payload is <c>topic:key</c>), so they never change once released.
/// </summary>
public enum ChangeTopic
{
    /// <summary>A user's mailboxes changed (append, delivery, flags, expunge, copy); key: the user key.</summary>
    Mailbox,

    /// <summary>Queue work may be ready; key: the queue's name (<c>new</c>, <c>deliveries</c>, ...).</summary>
    Queue,

    /// <summary>The directory changed (its change log grew); key: empty, the log says what.</summary>
    Directory,

    /// <summary>The routing table changed (its version moved); key: empty.</summary>
    Routing,
}
