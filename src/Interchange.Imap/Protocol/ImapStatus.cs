namespace Interchange.Imap.Protocol;

/// <summary>The status word of a status response (RFC 3501 §7.1).</summary>
public enum ImapStatus
{
    Ok,
    No,
    Bad,
    PreAuth,
    Bye,
}
