using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;

namespace Interchange.CoyoteTests.Imap;

/// <summary>
/// One mailbox name of one user, in memory, with every state it has passed through kept in
/// order, so a test can say which states a read may legitimately have seen. Reads yield before
/// and after they look, so Coyote can put a change between a read's start and its answer.
/// </summary>
internal sealed class MemoryMailStore : UnsupportedMailStore
{
    private readonly List<MailboxState?> _history = [];
    private long _nextId = 1;
    private int _nextContent;

    public MemoryMailStore(string name)
    {
        Name = name;
        _history.Add(new MailboxState(_nextId++, name, UidValidity: 1, UidNext: 1, HighestModSeq: 1, []));
    }

    public string Name { get; }

    /// <summary>How many states the mailbox has had so far (an index into the history).</summary>
    public int Version
    {
        get
        {
            lock (_history)
            {
                return _history.Count;
            }
        }
    }

    /// <summary>The states from <paramref name="from"/> (a <see cref="Version"/> taken before a read) to now.</summary>
    public IReadOnlyList<MailboxState?> StatesSince(int from)
    {
        lock (_history)
        {
            return _history.GetRange(from - 1, _history.Count - from + 1);
        }
    }

    public async Task AppendAsync()
    {
        await Task.Yield();
        Change(state =>
        {
            var current = state ?? throw new InvalidOperationException("no mailbox");
            var modSeq = current.HighestModSeq + 1;
            var content = Encoding.ASCII.GetBytes("message " + _nextContent++);
            var message = new StoredMessage(current.UidNext, BlobId.Of(content), content, content.Length, DateTimeOffset.UnixEpoch, [], modSeq);
            return current with { UidNext = current.UidNext + 1, HighestModSeq = modSeq, Messages = [.. current.Messages, message] };
        });
    }

    /// <summary>Deletes the mailbox and creates one of the same name: a new id, UIDs from 1 again.</summary>
    public async Task RecreateAsync()
    {
        await Task.Yield();
        Change(_ => null);
        await Task.Yield();
        Change(_ => new MailboxState(_nextId++, Name, UidValidity: _nextId, UidNext: 1, HighestModSeq: 1, []));
    }

    public override async Task<MailboxSnapshot?> SnapshotAsync(string userKey, string name, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var state = Current(name);
        await Task.Yield();
        return state is null ? null : new MailboxSnapshot(state.Id, state.Name, state.UidValidity, state.UidNext, state.HighestModSeq, null, state.Messages);
    }

    public override async Task<MailboxChanges?> ChangesSinceAsync(string userKey, string name, MailboxViewState since, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        var state = Current(name);
        await Task.Yield();
        if (state is null)
        {
            return null;
        }

        // As the store answers: by name, from what the caller says it holds. UIDs are listed
        // whole when messages the caller knows of are gone.
        var changed = state.Messages.Where(m => m.ModSeq > since.ModSeq).ToList();
        var stillKnown = state.Messages.Count(m => m.Uid <= since.MaxUid);
        IReadOnlyList<long>? uids = stillKnown == since.Count ? null : state.Messages.Select(m => m.Uid).ToList();
        return new MailboxChanges(state.Id, state.Name, state.UidValidity, state.UidNext, state.HighestModSeq, changed, uids);
    }

    // The IMAP schedules here fetch no structures; nothing is kept, so a reader would parse.
    public override Task<StoredStructure?> GetStructureAsync(BlobId blob, CancellationToken cancellationToken = default) => Task.FromResult<StoredStructure?>(null);

    public override Task SaveStructuresAsync(IReadOnlyList<StoredStructure> structures, CancellationToken cancellationToken = default) => Task.CompletedTask;

    private MailboxState? Current(string name)
    {
        lock (_history)
        {
            return name == Name ? _history[^1] : null;
        }
    }

    private void Change(Func<MailboxState?, MailboxState?> change)
    {
        lock (_history)
        {
            _history.Add(change(_history[^1]));
        }
    }
}
