using System.Collections.Concurrent;

namespace Interchange.Pop3.Session;

/// <summary>
/// One POP3 session per maildrop (RFC 1939 8: exclusive access). A lock-free table: taking is an
/// atomic add, releasing removes only the holder's own entry (rule 3), so a late release can
/// never free a maildrop that a newer session holds.
/// </summary>
public sealed class MaildropLocks
{
    private readonly ConcurrentDictionary<string, object> _holders = new(StringComparer.Ordinal);

    public int Count => _holders.Count;

    public bool TryTake(string userKey, object session) => _holders.TryAdd(userKey, session);

    public bool Release(string userKey, object session) =>
        _holders.TryRemove(new KeyValuePair<string, object>(userKey, session));

    public bool IsHeldBy(string userKey, object session) =>
        _holders.TryGetValue(userKey, out var holder) && ReferenceEquals(holder, session);
}
