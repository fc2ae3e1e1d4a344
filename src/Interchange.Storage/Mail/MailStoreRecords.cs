namespace Interchange.Storage.Mail;

/// <summary>How a STORE changes flags (RFC 3501 6.4.6: FLAGS, +FLAGS, -FLAGS).</summary>
public enum FlagChange
{
    Replace,
    Add,
    Remove,
}

/// <summary>A mailbox and every message in it at one moment: what SELECT starts from.</summary>
public sealed record MailboxSnapshot(long Id, string Name, long UidValidity, long UidNext, long HighestModSeq, string? SpecialUse, IReadOnlyList<StoredMessage> Messages);

/// <summary>What a session's view of a mailbox holds: the modseq it is current to, its highest UID and how many messages.</summary>
public readonly record struct MailboxViewState(long ModSeq, long MaxUid, int Count);

/// <summary>
/// The answer to <see cref="IMailStore.ChangesSinceAsync"/>: the mailbox now; <see cref="Changed"/>,
/// messages with a modseq above the view's, in UID order (flag changes and new messages); and
/// <see cref="Uids"/>, every UID now, given only when some message of the view was expunged.
/// </summary>
public sealed record MailboxChanges(long Id, string Name, long UidValidity, long UidNext, long HighestModSeq, IReadOnlyList<StoredMessage> Changed, IReadOnlyList<long>? Uids);

public sealed record AppendResult(long UidValidity, long Uid);

/// <summary>UIDPLUS data (RFC 4315 COPYUID): source UIDs and the UIDs they got, in the same order.</summary>
public sealed record CopyResult(long UidValidity, IReadOnlyList<long> SourceUids, IReadOnlyList<long> DestinationUids);

/// <summary>One message's flags after a STORE, with its modseq (changed only when the flags changed).</summary>
public sealed record FlagUpdate(long Uid, IReadOnlyList<string> Flags, long ModSeq, bool Changed);

/// <summary>What a STORE did; <see cref="Modified"/> lists UIDs refused by UNCHANGEDSINCE (RFC 7162 3.1.3).</summary>
public sealed record StoreResult(IReadOnlyList<FlagUpdate> Updated, IReadOnlyList<long> Modified, long HighestModSeq);

public enum MailStoreError
{
    NotFound,
    AlreadyExists,
    NotAllowed,
    HasChildren,
}

/// <summary>A mailbox operation refused, with a message fit for a client's NO.</summary>
public sealed class MailStoreException(MailStoreError error, string message) : StoreException(message)
{
    public MailStoreError Error { get; } = error;
}
