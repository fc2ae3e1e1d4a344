using Interchange.Storage.Mail;

namespace Interchange.Imap.Session;

/// <summary>
/// A session's view of its selected mailbox (RFC 3501 5.2, 7.4.1): message sequence numbers,
/// flags and modseqs as this client was last told. It changes only when the session reports
/// changes to the client, so sequence numbers stay stable between reports; an EXPUNGE is never
/// reported during FETCH, STORE or SEARCH.
/// </summary>
internal sealed class SelectedMailbox(MailboxSnapshot snapshot, bool readOnly)
{
    private readonly List<long> _uids = snapshot.Messages.Select(m => m.Uid).ToList();
    private readonly Dictionary<long, StoredMessage> _messages = snapshot.Messages.ToDictionary(m => m.Uid);

    public long Id { get; } = snapshot.Id;

    public string Name { get; } = snapshot.Name;

    public long UidValidity { get; } = snapshot.UidValidity;

    public long UidNext { get; private set; } = snapshot.UidNext;

    public long HighestModSeq { get; private set; } = snapshot.HighestModSeq;

    public bool ReadOnly { get; } = readOnly;

    public int Count => _uids.Count;

    public IReadOnlyList<long> Uids => _uids;

    public StoredMessage Message(long uid) => _messages[uid];

    public int SequenceOf(long uid) => _uids.BinarySearch(uid) + 1;

    public long MaxUid => _uids.Count == 0 ? 0 : _uids[^1];

    /// <summary>Takes a change this session made and reports itself (STORE), so it is not reported twice.</summary>
    public void Update(StoredMessage message)
    {
        if (_messages.ContainsKey(message.Uid))
        {
            _messages[message.Uid] = message;
        }
    }

    /// <summary>The UIDs a sequence set names: message numbers, or UIDs with <paramref name="uid"/> (then '*' is the highest UID).</summary>
    public IReadOnlyList<long> Resolve(Protocol.SequenceSet set, bool uid)
    {
        if (uid)
        {
            var max = (uint)MaxUid;
            return _uids.Where(u => set.Contains((uint)u, max)).ToList();
        }

        var count = (uint)_uids.Count;
        return Enumerable.Range(1, _uids.Count).Where(n => set.Contains((uint)n, count)).Select(n => _uids[n - 1]).ToList();
    }

    /// <summary>The changes since the view was made, in the order they must be reported.</summary>
    public sealed record Changes(IReadOnlyList<int> ExpungedSequences, int Exists, IReadOnlyList<StoredMessage> FlagChanges);

    /// <summary>
    /// Brings the view up to the store's <paramref name="current"/> state. With
    /// <paramref name="allowExpunge"/> false, expunged messages stay in the view (and their
    /// report waits) but new messages and flag changes are taken.
    /// </summary>
    public Changes Refresh(MailboxSnapshot current, bool allowExpunge)
    {
        var present = current.Messages.ToDictionary(m => m.Uid);
        var expunged = new List<int>();
        if (allowExpunge)
        {
            // Report from the highest sequence number down, so that each number is still valid
            // when the client applies the one before it.
            for (var i = _uids.Count - 1; i >= 0; i--)
            {
                if (!present.ContainsKey(_uids[i]))
                {
                    expunged.Add(i + 1);
                    _messages.Remove(_uids[i]);
                    _uids.RemoveAt(i);
                }
            }
        }

        var changed = new List<StoredMessage>();
        foreach (var uid in _uids)
        {
            if (present.TryGetValue(uid, out var now) && now.ModSeq != _messages[uid].ModSeq)
            {
                changed.Add(now);
                _messages[uid] = now;
            }
        }

        var added = current.Messages.Where(m => m.Uid > MaxUid).ToList();
        foreach (var message in added)
        {
            _uids.Add(message.Uid);
            _messages[message.Uid] = message;
        }

        UidNext = current.UidNext;
        HighestModSeq = current.HighestModSeq;
        return new Changes(expunged, added.Count > 0 ? _uids.Count : -1, changed);
    }
}
