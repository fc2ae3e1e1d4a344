using Interchange.Storage.Mail;

namespace Interchange.Imap.Session;

/// <summary>
/// A session's view of its selected mailbox (RFC 3501 5.2, 7.4.1): message sequence numbers,
/// flags and modseqs as this client was last told. It changes only when the session reports
/// changes to the client, so sequence numbers stay stable between reports; an EXPUNGE is never
/// reported during FETCH, STORE or SEARCH.
/// </summary>
internal sealed class SelectedMailbox
{
    // In UID order, side by side: a view of a large mailbox costs two references' worth per message.
    private readonly List<long> _uids;
    private readonly List<StoredMessage> _messages;

    // Keywords this client was told of in FLAGS (RFC 3501 7.2.6), and the UIDs that are \Recent in
    // this session (claimed by it, or seen unclaimed when read-only; RFC 3501 2.3.2).
    private readonly HashSet<string> _keywords = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _keywordOrder = [];
    private readonly HashSet<long> _recent = [];

    public SelectedMailbox(MailboxSnapshot snapshot, bool readOnly)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _messages = [.. snapshot.Messages];
        _uids = _messages.ConvertAll(m => m.Uid);
        TakeKeywords(_messages);
        Id = snapshot.Id;
        Name = snapshot.Name;
        UidValidity = snapshot.UidValidity;
        UidNext = snapshot.UidNext;
        HighestModSeq = snapshot.HighestModSeq;
        ReadOnly = readOnly;
    }

    public long Id { get; }

    public string Name { get; }

    public long UidValidity { get; }

    public long UidNext { get; private set; }

    public long HighestModSeq { get; private set; }

    public bool ReadOnly { get; }

    public int Count => _uids.Count;

    public IReadOnlyList<long> Uids => _uids;

    /// <summary>What the store needs to tell this view what it has missed.</summary>
    public MailboxViewState State => new(HighestModSeq, MaxUid, _uids.Count);

    /// <summary>The keywords announced so far, in the order they were first seen.</summary>
    public IReadOnlyList<string> Keywords => _keywordOrder;

    /// <summary>How many messages of the view are \Recent in this session.</summary>
    public int RecentCount => _recent.Count;

    public StoredMessage Message(long uid) => _messages[IndexOf(uid)];

    public bool IsRecent(long uid) => _recent.Contains(uid);

    /// <summary>Marks the view's messages with UIDs from <paramref name="firstUid"/> to <paramref name="lastUid"/> as \Recent in this session.</summary>
    public void MarkRecent(long firstUid, long lastUid)
    {
        var from = _uids.BinarySearch(firstUid);
        for (var i = from < 0 ? ~from : from; i < _uids.Count && _uids[i] <= lastUid; i++)
        {
            _recent.Add(_uids[i]);
        }
    }

    /// <summary>
    /// Adds the keywords of <paramref name="messages"/> not yet announced; true when there were
    /// any, so the client must get a new FLAGS response before any FETCH shows them.
    /// </summary>
    public bool TakeKeywords(IEnumerable<StoredMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var added = false;
        foreach (var message in messages)
        {
            foreach (var flag in message.Flags)
            {
                if (!flag.StartsWith('\\') && _keywords.Add(flag))
                {
                    _keywordOrder.Add(flag);
                    added = true;
                }
            }
        }

        return added;
    }

    public int SequenceOf(long uid) => _uids.BinarySearch(uid) + 1;

    public long MaxUid => _uids.Count == 0 ? 0 : _uids[^1];

    private int IndexOf(long uid)
    {
        var index = _uids.BinarySearch(uid);
        return index >= 0 ? index : throw new KeyNotFoundException($"UID {uid} is not in the view");
    }

    /// <summary>Takes a change this session made and reports itself (STORE), so it is not reported twice.</summary>
    public void Update(StoredMessage message)
    {
        var index = _uids.BinarySearch(message.Uid);
        if (index >= 0)
        {
            _messages[index] = message;
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
    /// Brings the view up to the store's state as <see cref="IMailStore.ChangesSinceAsync"/> gave it
    /// for this view's <see cref="State"/>. With <paramref name="allowExpunge"/> false, expunged
    /// messages stay in the view (and their report waits) but new messages and flag changes are taken.
    /// </summary>
    public Changes Refresh(MailboxChanges current, bool allowExpunge)
    {
        ArgumentNullException.ThrowIfNull(current);
        var expunged = new List<int>();
        if (allowExpunge && current.Uids is { } present)
        {
            // Report from the highest sequence number down, so that each number is still valid
            // when the client applies the one before it. Both lists are in UID order.
            var keep = present.Count - 1;
            for (var i = _uids.Count - 1; i >= 0; i--)
            {
                while (keep >= 0 && present[keep] > _uids[i])
                {
                    keep--;
                }

                if (keep < 0 || present[keep] != _uids[i])
                {
                    expunged.Add(i + 1);
                    _recent.Remove(_uids[i]);
                    _uids.RemoveAt(i);
                    _messages.RemoveAt(i);
                }
            }
        }

        var changed = new List<StoredMessage>();
        var known = MaxUid;
        var added = 0;
        foreach (var message in current.Changed)
        {
            if (message.Uid > known)
            {
                _uids.Add(message.Uid);
                _messages.Add(message);
                added++;
                continue;
            }

            var index = _uids.BinarySearch(message.Uid);
            if (index >= 0 && _messages[index].ModSeq != message.ModSeq)
            {
                changed.Add(message);
                _messages[index] = message;
            }
        }

        UidNext = current.UidNext;

        // Expunges held back (allowExpunge false) keep the view's modseq where it was: the view has
        // not caught up with them (a HIGHESTMODSEQ reported past them would tell a CONDSTORE client
        // it had seen them). Taken anyway, the next catch-up saw no change since and the view kept
        // the expunged messages (MailboxSessionTortureTests).
        if (allowExpunge || current.Uids is null)
        {
            HighestModSeq = current.HighestModSeq;
        }

        return new Changes(expunged, added > 0 ? _uids.Count : -1, changed);
    }
}
