namespace Interchange.Pop3;

/// <summary>POP3 server settings (<c>Pop3</c> section).</summary>
public sealed class Pop3Options
{
    /// <summary>Longest command line (RFC 2449 allows 255 octets; SASL responses need more).</summary>
    public int MaxLineLength { get; set; } = 4096;

    /// <summary>Inactivity before the session is closed (RFC 1939 3: at least 10 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Time from connect to a successful login, however busy the client keeps the connection (a deadline, not an inactivity timeout).</summary>
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Slowest average (bytes per second) at which a client may take a response (RETR, TOP) once <see cref="MinDataRateGracePeriod"/> has passed; 0 turns it off.</summary>
    public double MinDataRate { get; set; } = 240;

    public TimeSpan MinDataRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    public int MaxErrors { get; set; } = 10;

    public int MaxAuthAttempts { get; set; } = 3;

    public int MaxConnections { get; set; } = 1000;

    public int MaxConnectionsPerAddress { get; set; } = 50;

    /// <summary>Allow USER/PASS and AUTH without TLS from loopback clients only.</summary>
    public bool AllowPlaintextAuthOnLoopback { get; set; }
}
