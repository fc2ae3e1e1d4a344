using Interchange.Imap.Protocol;
using Interchange.Storage.Mail;

namespace Interchange.Imap.Session;

/// <summary>SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE (incl. UID EXPUNGE), and reporting other sessions' changes.</summary>
internal sealed partial class ImapSession
{
    private static readonly string[] s_systemFlags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];

    private async ValueTask SelectAsync(ImapCommand command, bool readOnly)
    {
        if (command.Arguments.Count is 0 or > 2 || !command.Arguments[0].TryGetAstring(out var wire))
        {
            Bad(command, $"Usage: {command.Name} mailbox");
            return;
        }

        if (command.Arguments.Count == 2 && command.Arguments[1].Kind == ImapValueKind.List && command.Arguments[1].Items.Any(i => i.IsAtom("CONDSTORE")))
        {
            CondStore = true; // RFC 7162 3.1.8: SELECT (CONDSTORE) enables it
        }

        // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
        Selected = null;
        State = ImapState.Authenticated;
        var snapshot = await _services.Snapshots.SnapshotAsync(UserKey, Decode(wire), ConnectionClosed).ConfigureAwait(false);
        if (snapshot is null)
        {
            No(command, "No such mailbox", ImapResponseCode.NonExistent);
            return;
        }

        Selected = new SelectedMailbox(snapshot, readOnly);
        State = ImapState.Selected;
        await TakeRecentAsync().ConfigureAwait(false);
        WriteFlagsResponse();
        _out.Untagged().Number((ulong)snapshot.Messages.Count).Atom("EXISTS").EndLine();
        if (!Rev2)
        {
            _out.Untagged().Number((ulong)Selected.RecentCount).Atom("RECENT").EndLine();
            var firstUnseen = snapshot.Messages.Select((m, i) => (m, i)).FirstOrDefault(x => !x.m.Flags.Contains("\\Seen", StringComparer.OrdinalIgnoreCase));
            if (firstUnseen.m is not null)
            {
                _out.UntaggedStatus(ImapStatus.Ok, "First unseen", ImapResponseCode.Unseen((uint)firstUnseen.i + 1));
            }
        }

        _out.UntaggedStatus(ImapStatus.Ok, "UIDs valid", ImapResponseCode.UidValidity((uint)snapshot.UidValidity));
        _out.UntaggedStatus(ImapStatus.Ok, "Predicted next UID", ImapResponseCode.UidNext((uint)snapshot.UidNext));
        _out.UntaggedStatus(ImapStatus.Ok, "Highest", ImapResponseCode.HighestModSeq((ulong)snapshot.HighestModSeq));
        if (Rev2)
        {
            _out.Untagged().Atom("LIST").BeginList().EndList().String("/").AString(Encode(snapshot.Name)).EndLine();
        }

        Ok(command, $"{command.Name} completed", readOnly ? ImapResponseCode.ReadOnly : ImapResponseCode.ReadWrite);
    }

    private async ValueTask CloseMailboxAsync(ImapCommand command, bool expunge)
    {
        if (expunge && !Selected!.ReadOnly)
        {
            // CLOSE expunges silently (RFC 3501 6.4.2).
            await _services.Mail.ExpungeAsync(Selected.Id, cancellationToken: ConnectionClosed).ConfigureAwait(false);
        }

        Selected = null;
        State = ImapState.Authenticated;
        Ok(command, $"{command.Name} completed");
    }

    private async ValueTask ExpungeAsync(ImapCommand command)
    {
        if (Selected!.ReadOnly)
        {
            No(command, "The mailbox is read-only", ImapResponseCode.ReadOnly);
            return;
        }

        IReadOnlyList<long>? uids = null;
        if (command.IsUid)
        {
            if (command.Arguments.Count != 1 || !command.Arguments[0].TryGetSequenceSet(out var set))
            {
                Bad(command, "Usage: UID EXPUNGE uid-set");
                return;
            }

            uids = Selected.Resolve(set, uid: true);
        }

        await _services.Mail.ExpungeAsync(Selected.Id, uids, ConnectionClosed).ConfigureAwait(false);
        await ReportChangesAsync(allowExpunge: true).ConfigureAwait(false);
        Ok(command, Completed(command));
    }

    /// <summary>
    /// Tells the client what changed in its selected mailbox since it was last told (new
    /// messages, flag changes, and expunges where allowed: never during FETCH, STORE or SEARCH).
    /// </summary>
    private async ValueTask ReportChangesAsync(bool allowExpunge)
    {
        if (Selected is null)
        {
            return;
        }

        var current = await _services.Mail.ChangesSinceAsync(UserKey, Selected.Name, Selected.State, ConnectionClosed).ConfigureAwait(false);
        if (current is null || current.Id != Selected.Id || current.UidValidity != Selected.UidValidity)
        {
            _out.UntaggedStatus(ImapStatus.Bye, "The selected mailbox was deleted or renamed");
            _closing = true;
            return;
        }

        if (Selected.TakeKeywords(current.Changed))
        {
            WriteFlagsResponse(); // before any FETCH or new message shows a keyword (RFC 3501 7.2.6)
        }

        var changes = Selected.Refresh(current, allowExpunge);
        foreach (var sequence in changes.ExpungedSequences)
        {
            _out.Untagged().Number((ulong)sequence).Atom("EXPUNGE").EndLine();
        }

        if (changes.Exists >= 0)
        {
            _out.Untagged().Number((ulong)changes.Exists).Atom("EXISTS").EndLine();
            if (!Rev2)
            {
                // New messages are this session's to claim as recent, if no other session did.
                await TakeRecentAsync().ConfigureAwait(false);
                _out.Untagged().Number((ulong)Selected.RecentCount).Atom("RECENT").EndLine();
            }
        }

        foreach (var message in changes.FlagChanges)
        {
            WriteFlags(message, includeUid: false);
        }
    }

    /// <summary>
    /// \Recent for an IMAP4rev1 session (RFC 3501 2.3.2; RFC 9051 removed it): a read-write session
    /// claims the messages no session has claimed yet, atomically in the store, so one session
    /// only is told; a read-only one sees the unclaimed ones as recent and leaves them.
    /// </summary>
    private async ValueTask TakeRecentAsync()
    {
        var view = Selected!;
        if (Rev2 || view.Count == 0)
        {
            return;
        }

        var last = view.MaxUid;
        var first = view.ReadOnly
            ? await _services.Mail.FirstRecentUidAsync(view.Id, ConnectionClosed).ConfigureAwait(false) ?? last + 1
            : await _services.Mail.ClaimRecentAsync(view.Id, last, ConnectionClosed).ConfigureAwait(false);
        view.MarkRecent(first, last);
    }

    /// <summary>FLAGS and PERMANENTFLAGS with every keyword this client knows (RFC 3501 7.2.6, 7.1 PERMANENTFLAGS).</summary>
    private void WriteFlagsResponse()
    {
        var view = Selected!;
        _out.Untagged().Atom("FLAGS").AtomList(s_systemFlags.Concat(view.Keywords)).EndLine();
        _out.UntaggedStatus(ImapStatus.Ok, "Flags permitted", ImapResponseCode.PermanentFlags(view.ReadOnly ? [] : [.. s_systemFlags, .. view.Keywords, "\\*"]));
    }

    /// <summary>A message's flags as this session shows them: the stored ones, and \Recent where it is recent here.</summary>
    private IReadOnlyList<string> FlagsOf(StoredMessage message) =>
        Selected is { } view && view.IsRecent(message.Uid) ? [.. message.Flags, "\\Recent"] : message.Flags;

    private void WriteFlags(StoredMessage message, bool includeUid, bool includeFlags = true)
    {
        _out.Untagged().Number((ulong)Selected!.SequenceOf(message.Uid)).Atom("FETCH").BeginList();
        if (includeFlags)
        {
            _out.Atom("FLAGS").AtomList(FlagsOf(message));
        }

        if (includeUid)
        {
            _out.Atom("UID").Number((ulong)message.Uid);
        }

        if (CondStore)
        {
            _out.Atom("MODSEQ").BeginList().Number((ulong)message.ModSeq).EndList();
        }

        _out.EndList().EndLine();
    }
}
