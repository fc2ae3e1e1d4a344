namespace Interchange.Imap;

/// <summary>IMAP server settings (<c>Imap</c> section).</summary>
public sealed class ImapOptions
{
    /// <summary>Inactivity before an authenticated session is closed (RFC 9051 5.4: at least 30 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Time from connect to a successful login, however busy the client keeps the connection (a deadline, not an inactivity timeout).</summary>
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Slowest average (bytes per second) at which a literal (APPEND) may arrive, or a response (FETCH) be taken, once <see cref="MinDataRateGracePeriod"/> has passed; 0 turns it off.</summary>
    public double MinDataRate { get; set; } = 240;

    public TimeSpan MinDataRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    public int MaxErrors { get; set; } = 20;

    public int MaxAuthAttempts { get; set; } = 3;

    public int MaxConnections { get; set; } = 2000;

    public int MaxConnectionsPerAddress { get; set; } = 100;

    /// <summary>
    /// Largest message APPEND accepts, advertised as APPENDLIMIT (RFC 7889): a bigger synchronizing
    /// literal is refused with <c>NO [TOOBIG]</c> before the client is invited to send it.
    /// </summary>
    public long MaxAppendSize { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// Bytes of literals one command may carry when they are held in memory (every literal but
    /// APPEND's message, which streams to storage): mailbox names, search strings, passwords.
    /// </summary>
    public long MaxBufferedLiteralSize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Memory (MiB, estimated) for parsed message structures shared by all sessions: ENVELOPE,
    /// BODYSTRUCTURE and header SEARCH answered without re-reading messages. 0 turns it off.
    /// </summary>
    public int StructureCacheMegabytes { get; set; } = 64;

    /// <summary>
    /// Messages (across all mailboxes) whose records are kept for SELECT and STATUS, shared by all
    /// sessions; a cached mailbox costs one indexed read to bring up to date. A record takes 300–400
    /// bytes (measured; the blob name is the most of it), so the default is 60–80 MiB at most. 0 turns it off.
    /// </summary>
    public int SnapshotCacheMessages { get; set; } = 200_000;

    /// <summary>
    /// Commands one session may run per second once its burst (<see cref="CommandBurst"/>) is
    /// spent; faster commands wait their turn (nothing is refused). 0 turns pacing off.
    /// </summary>
    public int MaxCommandsPerSecond { get; set; } = 1000;

    public int CommandBurst { get; set; } = 1000;

    /// <summary>
    /// Longest string (characters) a SEARCH key may carry; longer ones get <c>NO [LIMIT]</c>.
    /// Matching is linear in the text, so this bounds the per-key tables, not the scan.
    /// </summary>
    public int MaxSearchStringLength { get; set; } = 1000;

    /// <summary>
    /// Keywords (user flags) a mailbox may hold, and the longest one: a STORE that would add more, or
    /// a longer one, gets <c>NO [LIMIT]</c> (Cyrus allows 128 user flags, Dovecot 50 characters a keyword).
    /// Checked against what the session knows of the mailbox, so sessions storing at once may overshoot a little.
    /// </summary>
    public int MaxKeywords { get; set; } = 256;

    public int MaxKeywordLength { get; set; } = 100;

    /// <summary>
    /// Bytes of message text (stored size of the text parts read) one SEARCH command may scan
    /// over all the messages it looks at; past it the command ends with <c>NO [LIMIT]</c>. 0 turns it off.
    /// </summary>
    public long MaxSearchBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Allow LOGIN and AUTHENTICATE without TLS from loopback clients only.</summary>
    public bool AllowPlaintextAuthOnLoopback { get; set; }
}
