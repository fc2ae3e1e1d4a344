using Interchange.Imap.Protocol;
using Interchange.Imap.Session;
using Interchange.Storage.Mail;

namespace Interchange.Imap.Commands;

/// <summary>SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE (incl. UID EXPUNGE), and reporting other sessions' changes.</summary>
internal static class SelectionCommands
{
    /// <summary>The system flags (RFC 3501 2.3.2) a client may set.</summary>
    internal static readonly string[] SystemFlags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];

    internal static async ValueTask SelectAsync(ImapSession session, ImapCommand command, bool readOnly)
    {
        if (command.Arguments.Count is 0 or > 2 || !command.Arguments[0].TryGetAstring(out var wire))
        {
            session.Bad(command, $"Usage: {command.Name} mailbox");
            return;
        }

        if (command.Arguments.Count == 2 && command.Arguments[1].Kind == ImapValueKind.List && command.Arguments[1].Items.Any(i => i.IsAtom("CONDSTORE")))
        {
            session.CondStore = true; // RFC 7162 3.1.8: SELECT (CONDSTORE) enables it
        }

        // A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
        session.Selected = null;
        session.State = ImapState.Authenticated;
        var snapshot = await session.Services.Snapshots.SnapshotAsync(session.UserKey, MailboxCommands.Decode(session, wire), session.ConnectionClosed).ConfigureAwait(false);
        if (snapshot is null)
        {
            session.No(command, "No such mailbox", ImapResponseCode.NonExistent);
            return;
        }

        session.Selected = new SelectedMailbox(snapshot, readOnly);
        session.State = ImapState.Selected;
        await TakeRecentAsync(session).ConfigureAwait(false);
        WriteFlagsResponse(session);
        session.Out.Untagged().Number((ulong)snapshot.Messages.Count).Atom("EXISTS").EndLine();
        if (!session.Rev2)
        {
            session.Out.Untagged().Number((ulong)session.Selected.RecentCount).Atom("RECENT").EndLine();
            var firstUnseen = snapshot.Messages.Select((m, i) => (m, i)).FirstOrDefault(x => !x.m.Flags.Contains("\\Seen", StringComparer.OrdinalIgnoreCase));
            if (firstUnseen.m is not null)
            {
                session.Out.UntaggedStatus(ImapStatus.Ok, "First unseen", ImapResponseCode.Unseen((uint)firstUnseen.i + 1));
            }
        }

        session.Out.UntaggedStatus(ImapStatus.Ok, "UIDs valid", ImapResponseCode.UidValidity((uint)snapshot.UidValidity));
        session.Out.UntaggedStatus(ImapStatus.Ok, "Predicted next UID", ImapResponseCode.UidNext((uint)snapshot.UidNext));
        session.Out.UntaggedStatus(ImapStatus.Ok, "Highest", ImapResponseCode.HighestModSeq((ulong)snapshot.HighestModSeq));
        if (session.Rev2)
        {
            session.Out.Untagged().Atom("LIST").BeginList().EndList().String("/").AString(MailboxCommands.Encode(session, snapshot.Name)).EndLine();
        }

        session.Ok(command, $"{command.Name} completed", readOnly ? ImapResponseCode.ReadOnly : ImapResponseCode.ReadWrite);
    }

    internal static async ValueTask CloseMailboxAsync(ImapSession session, ImapCommand command, bool expunge)
    {
        if (expunge && !session.Selected!.ReadOnly)
        {
            // CLOSE expunges silently (RFC 3501 6.4.2).
            await session.Services.Mail.ExpungeAsync(session.Selected.Id, cancellationToken: session.ConnectionClosed).ConfigureAwait(false);
        }

        session.Selected = null;
        session.State = ImapState.Authenticated;
        session.Ok(command, $"{command.Name} completed");
    }

    internal static async ValueTask ExpungeAsync(ImapSession session, ImapCommand command)
    {
        if (session.Selected!.ReadOnly)
        {
            session.No(command, "The mailbox is read-only", ImapResponseCode.ReadOnly);
            return;
        }

        IReadOnlyList<long>? uids = null;
        if (command.IsUid)
        {
            if (command.Arguments.Count != 1 || !command.Arguments[0].TryGetSequenceSet(out var set))
            {
                session.Bad(command, "Usage: UID EXPUNGE uid-set");
                return;
            }

            uids = session.Selected.Resolve(set, uid: true);
        }

        await session.Services.Mail.ExpungeAsync(session.Selected.Id, uids, session.ConnectionClosed).ConfigureAwait(false);
        await ReportChangesAsync(session, allowExpunge: true).ConfigureAwait(false);
        session.Ok(command, ImapSession.Completed(command));
    }

    /// <summary>
    /// Tells the client what changed in its selected mailbox since it was last told (new
    /// messages, flag changes, and expunges where allowed: never during FETCH, STORE or SEARCH).
    /// </summary>
    internal static async ValueTask ReportChangesAsync(ImapSession session, bool allowExpunge)
    {
        if (session.Selected is null)
        {
            return;
        }

        var current = await session.Services.Mail.ChangesSinceAsync(session.UserKey, session.Selected.Name, session.Selected.State, session.ConnectionClosed).ConfigureAwait(false);
        if (current is null || current.Id != session.Selected.Id || current.UidValidity != session.Selected.UidValidity)
        {
            session.Out.UntaggedStatus(ImapStatus.Bye, "The selected mailbox was deleted or renamed");
            session.Close();
            return;
        }

        if (session.Selected.TakeKeywords(current.Changed))
        {
            WriteFlagsResponse(session); // before any FETCH or new message shows a keyword (RFC 3501 7.2.6)
        }

        var changes = session.Selected.Refresh(current, allowExpunge);
        foreach (var sequence in changes.ExpungedSequences)
        {
            session.Out.Untagged().Number((ulong)sequence).Atom("EXPUNGE").EndLine();
        }

        if (changes.Exists >= 0)
        {
            session.Out.Untagged().Number((ulong)changes.Exists).Atom("EXISTS").EndLine();
            if (!session.Rev2)
            {
                // New messages are this session's to claim as recent, if no other session did.
                await TakeRecentAsync(session).ConfigureAwait(false);
                session.Out.Untagged().Number((ulong)session.Selected.RecentCount).Atom("RECENT").EndLine();
            }
        }

        foreach (var message in changes.FlagChanges)
        {
            WriteFlags(session, message, includeUid: false);
        }
    }

    /// <summary>
    /// \Recent for an IMAP4rev1 session (RFC 3501 2.3.2; RFC 9051 removed it): a read-write session
    /// claims the messages no session has claimed yet, atomically in the store, so one session
    /// only is told; a read-only one sees the unclaimed ones as recent and leaves them.
    /// </summary>
    internal static async ValueTask TakeRecentAsync(ImapSession session)
    {
        var view = session.Selected!;
        if (session.Rev2 || view.Count == 0)
        {
            return;
        }

        var last = view.MaxUid;
        var first = view.ReadOnly
            ? await session.Services.Mail.FirstRecentUidAsync(view.Id, session.ConnectionClosed).ConfigureAwait(false) ?? last + 1
            : await session.Services.Mail.ClaimRecentAsync(view.Id, last, session.ConnectionClosed).ConfigureAwait(false);
        view.MarkRecent(first, last);
    }

    /// <summary>FLAGS and PERMANENTFLAGS with every keyword this client knows (RFC 3501 7.2.6, 7.1 PERMANENTFLAGS).</summary>
    internal static void WriteFlagsResponse(ImapSession session)
    {
        var view = session.Selected!;
        session.Out.Untagged().Atom("FLAGS").AtomList(SystemFlags.Concat(view.Keywords)).EndLine();
        session.Out.UntaggedStatus(ImapStatus.Ok, "Flags permitted", ImapResponseCode.PermanentFlags(view.ReadOnly ? [] : [.. SystemFlags, .. view.Keywords, "\\*"]));
    }

    /// <summary>A message's flags as this session shows them: the stored ones, and \Recent where it is recent here.</summary>
    internal static IReadOnlyList<string> FlagsOf(ImapSession session, StoredMessage message) =>
        session.Selected is { } view && view.IsRecent(message.Uid) ? [.. message.Flags, "\\Recent"] : message.Flags;

    internal static void WriteFlags(ImapSession session, StoredMessage message, bool includeUid, bool includeFlags = true)
    {
        session.Out.Untagged().Number((ulong)session.Selected!.SequenceOf(message.Uid)).Atom("FETCH").BeginList();
        if (includeFlags)
        {
            session.Out.Atom("FLAGS").AtomList(FlagsOf(session, message));
        }

        if (includeUid)
        {
            session.Out.Atom("UID").Number((ulong)message.Uid);
        }

        if (session.CondStore)
        {
            session.Out.Atom("MODSEQ").BeginList().Number((ulong)message.ModSeq).EndList();
        }

        session.Out.EndList().EndLine();
    }
}
