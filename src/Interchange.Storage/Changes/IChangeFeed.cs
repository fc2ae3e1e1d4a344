namespace Interchange.Storage.Changes;

/// <summary>
/// Hints that something in the store changed (ARCHITECTURE.md rule 2): mailbox changes for IDLE,
/// queue wake-ups, directory changes. An event carries a topic and a key (a user key, a queue
/// name), never data: a subscriber learns only "look again" and then reads the store, which is the
/// only truth. So a lost, duplicated or merged event costs latency, never correctness, and every
/// subscriber keeps a poll at some interval as its fallback.
/// <para>
/// Race-free waiting without callbacks: each (topic, key) has a version that every publish
/// advances. A subscriber reads <see cref="Version"/> BEFORE it reads the store, then waits for
/// a version above it, so a change committed between its read and its wait still wakes it.
/// </para>
/// <para>
/// In-process today (<see cref="InProcessChangeFeed"/>). A backend shared by several nodes carries
/// it between them: PostgreSQL publishes with <c>pg_notify('interchange', 'topic:key')</c> inside
/// the writing transaction (delivered only on commit, merged when repeated), and one LISTEN
/// connection per node calls <see cref="Publish"/> on the node's in-process feed for each
/// notification it receives. Payloads stay far below NOTIFY's 8000-byte limit because they are ids.
/// </para>
/// </summary>
public interface IChangeFeed
{
    /// <summary>Announces a committed change. Never blocks and never calls a subscriber back.</summary>
    void Publish(ChangeTopic topic, string key);

    /// <summary>The current version of (topic, key): read it before reading the store, then pass it to <see cref="WaitAsync"/>.</summary>
    long Version(ChangeTopic topic, string key);

    /// <summary>Completes once the version of (topic, key) is above <paramref name="seen"/>; throws when cancelled.</summary>
    Task WaitAsync(ChangeTopic topic, string key, long seen, CancellationToken cancellationToken);
}
