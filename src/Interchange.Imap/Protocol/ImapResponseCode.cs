using System.Globalization;

namespace Interchange.Imap.Protocol;

/// <summary>
/// A response code, the bracketed part of a status response (RFC 3501 §7.1, RFC 9051 §7.1,
/// RFC 4315 UIDPLUS, RFC 7162 CONDSTORE, RFC 5530). <see cref="Arguments"/> is already in
/// IMAP syntax.
/// </summary>
public sealed record ImapResponseCode(string Name, string? Arguments = null)
{
    public static ImapResponseCode Alert { get; } = new("ALERT");

    public static ImapResponseCode Parse { get; } = new("PARSE");

    public static ImapResponseCode ReadOnly { get; } = new("READ-ONLY");

    public static ImapResponseCode ReadWrite { get; } = new("READ-WRITE");

    public static ImapResponseCode TryCreate { get; } = new("TRYCREATE");

    public static ImapResponseCode TooBig { get; } = new("TOOBIG");

    public static ImapResponseCode Unavailable { get; } = new("UNAVAILABLE");

    public static ImapResponseCode AuthenticationFailed { get; } = new("AUTHENTICATIONFAILED");

    public static ImapResponseCode AuthorizationFailed { get; } = new("AUTHORIZATIONFAILED");

    public static ImapResponseCode PrivacyRequired { get; } = new("PRIVACYREQUIRED");

    public static ImapResponseCode NoPerm { get; } = new("NOPERM");

    public static ImapResponseCode InUse { get; } = new("INUSE");

    public static ImapResponseCode OverQuota { get; } = new("OVERQUOTA");

    public static ImapResponseCode AlreadyExists { get; } = new("ALREADYEXISTS");

    public static ImapResponseCode NonExistent { get; } = new("NONEXISTENT");

    public static ImapResponseCode Limit { get; } = new("LIMIT");

    public static ImapResponseCode ServerBug { get; } = new("SERVERBUG");

    public static ImapResponseCode ClientBug { get; } = new("CLIENTBUG");

    public static ImapResponseCode CannotDo { get; } = new("CANNOT");

    public static ImapResponseCode Closed { get; } = new("CLOSED");

    public static ImapResponseCode UidNotSticky { get; } = new("UIDNOTSTICKY");

    public static ImapResponseCode NoModSeq { get; } = new("NOMODSEQ");

    public static ImapResponseCode UidValidity(uint value) => new("UIDVALIDITY", Number(value));

    public static ImapResponseCode UidNext(uint value) => new("UIDNEXT", Number(value));

    public static ImapResponseCode Unseen(uint value) => new("UNSEEN", Number(value));

    public static ImapResponseCode HighestModSeq(ulong value) => new("HIGHESTMODSEQ", Number(value));

    /// <summary>RFC 4315: the UID(s) APPEND gave the message(s).</summary>
    public static ImapResponseCode AppendUid(uint uidValidity, uint uid) => new("APPENDUID", Number(uidValidity) + " " + Number(uid));

    public static ImapResponseCode AppendUid(uint uidValidity, SequenceSet uids) => new("APPENDUID", Number(uidValidity) + " " + uids);

    /// <summary>RFC 4315: source UIDs and the UIDs of the copies, in the same order.</summary>
    public static ImapResponseCode CopyUid(uint uidValidity, SequenceSet sourceUids, SequenceSet destinationUids) =>
        new("COPYUID", Number(uidValidity) + " " + sourceUids + " " + destinationUids);

    /// <summary>RFC 7162: the messages a conditional STORE did not change.</summary>
    public static ImapResponseCode Modified(SequenceSet set) => new("MODIFIED", set.ToString());

    public static ImapResponseCode PermanentFlags(IEnumerable<string> flags) => new("PERMANENTFLAGS", "(" + string.Join(' ', flags) + ")");

    public static ImapResponseCode Capability(IEnumerable<string> capabilities) => new("CAPABILITY", string.Join(' ', capabilities));

    public static ImapResponseCode BadCharset(IEnumerable<string> supported) =>
        supported.Any() ? new("BADCHARSET", "(" + string.Join(' ', supported) + ")") : new("BADCHARSET");

    public override string ToString() => Arguments is null ? Name : Name + " " + Arguments;

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
