namespace Interchange.Smtp;

/// <summary>SMTP server settings (<c>Smtp</c> section). Defaults follow Postfix's and RFC 5321's.</summary>
public sealed class SmtpOptions
{
    /// <summary>Name in the greeting, EHLO reply and Received fields; default: the primary domain.</summary>
    public string? HostName { get; set; }

    /// <summary>Largest message accepted, in bytes (SIZE, 552 5.3.4 beyond it), counted as stored: our Received field and the content with CRLF line ends.</summary>
    public long MaxMessageSize { get; set; } = 50L * 1024 * 1024;

    /// <summary>Longest command line, CRLF included (RFC 5321 4.5.3.1.4 says 512; extensions need more).</summary>
    public int MaxCommandLineLength { get; set; } = 2048;

    public int MaxRecipients { get; set; } = 100;

    /// <summary>Commands allowed that are not part of a mail transaction (NOOP, RSET, VRFY, HELP, EHLO...) per session.</summary>
    public int MaxNonMailCommands { get; set; } = 100;

    /// <summary>4xx/5xx replies tolerated per session before it is closed with 421.</summary>
    public int MaxErrors { get; set; } = 10;

    /// <summary>Authentication attempts per session before it is closed.</summary>
    public int MaxAuthAttempts { get; set; } = 3;

    /// <summary>Wait for a command (RFC 5321 4.5.3.2.7: at least 5 minutes).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Wait for each block of message data (RFC 5321 4.5.3.2.5: 3 minutes; we allow more).</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Submission (587, 465): time from connect to a successful AUTH, however busy the client keeps the connection.</summary>
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Every listener: time from connect, or from the end of the previous message, until DATA or
    /// BDAT starts (the envelope: EHLO, STARTTLS, AUTH, MAIL, RCPT), so that a client dripping
    /// commands on port 25, where no AUTH deadline applies, cannot hold a session for ever.
    /// </summary>
    public TimeSpan EnvelopeTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Slowest average (bytes per second) at which DATA or BDAT content may arrive (and replies be taken) once <see cref="MinDataRateGracePeriod"/> has passed; 0 turns it off.</summary>
    public double MinDataRate { get; set; } = 240;

    public TimeSpan MinDataRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    public int MaxConnections { get; set; } = 1000;

    /// <summary>Simultaneous connections from one client address (Postfix's default is 50 too).</summary>
    public int MaxConnectionsPerAddress { get; set; } = 50;

    /// <summary>Received fields beyond which a message is taken to be looping (RFC 5321 6.3).</summary>
    public int MaxHops { get; set; } = 100;

    /// <summary>Allow AUTH without TLS from loopback clients (local webmail, tests); never from elsewhere.</summary>
    public bool AllowPlaintextAuthOnLoopback { get; set; }

    /// <summary>An authenticated user may only use an address it owns as MAIL FROM, on every listener.</summary>
    public bool RequireOwnedSender { get; set; } = true;

    /// <summary>On submission, header bytes held to learn whether Date and Message-ID are there (RFC 6409 8); a longer header section gets neither.</summary>
    public int SubmissionHeaderBuffer { get; set; } = 100 * 1024;

    /// <summary>
    /// Clients that may relay (send to domains that are not ours) without logging in: addresses
    /// or networks (<c>10.0.0.0/8</c>), Postfix's <c>mynetworks</c>. Default none: only
    /// authenticated clients relay. Listing loopback lets local programs send out (a web
    /// application's mail, the relay benchmark).
    /// </summary>
    public string[] RelayNetworks { get; set; } = [];

    /// <summary>A spam score (from a scanner's fields a milter added: rspamd, SpamAssassin) at or over
    /// this files the message into the recipients' Junk folder; null turns that off.</summary>
    public double? SpamThreshold { get; set; } = 6.0;

    /// <summary>Inbound verification on port 25 and what its results lead to (<c>Smtp:Authentication:*</c>).</summary>
    public Filters.SmtpAuthenticationOptions Authentication { get; set; } = new();

    /// <summary>Milters (Sendmail/Postfix mail filters) every session consults, in this order
    /// (docs/MILTER.md); none by default.</summary>
    public List<Milter.MilterOptions> Milters { get; set; } = [];

    /// <summary>Whether <paramref name="client"/> is in <see cref="RelayNetworks"/>.</summary>
    public bool IsRelayClient(System.Net.IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (RelayNetworks.Length == 0)
        {
            return false;
        }

        var address = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;
        foreach (var entry in RelayNetworks)
        {
            var text = entry.Trim();
            if (System.Net.IPNetwork.TryParse(text, out var network) ? network.Contains(address) : System.Net.IPAddress.TryParse(text, out var one) && one.Equals(address))
            {
                return true;
            }
        }

        return false;
    }
}
