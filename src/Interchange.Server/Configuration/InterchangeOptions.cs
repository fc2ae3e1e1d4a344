using System.Net;
using Interchange.Directory.Administration;
using Interchange.Directory.Security;

namespace Interchange.Server.Configuration;

/// <summary>
/// The server's settings, bound from (lowest to highest precedence) built-in defaults,
/// <c>interchange.json</c>, <c>INTERCHANGE__…</c> environment variables and the command line.
/// </summary>
public sealed class InterchangeOptions
{
    /// <summary>The primary mail domain created on first start; default: this host's name, else <c>localhost</c>.</summary>
    public string? PrimaryDomain { get; set; }

    /// <summary>Protocol name → comma-separated <c>HOST:PORT</c> list, or <c>none</c> to disable it.</summary>
    public Dictionary<string, string> Listen { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long a stop may take before remaining connections are cut (rule 5).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the server reads the directory change log.</summary>
    public TimeSpan DirectoryPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    public TlsOptions Tls { get; set; } = new();

    public DirectoryOptions Directory { get; set; } = new();

    public LoginThrottleOptions LoginThrottle { get; set; } = new();

    public StorageOptions Storage { get; set; } = new();

    public Interchange.Smtp.SmtpOptions Smtp { get; set; } = new();

    /// <summary>Inbound verification (SPF, DKIM, ARC, DMARC) limits; what the SMTP server does with the results is <c>Smtp:Authentication</c>.</summary>
    public Interchange.MailAuth.MailAuthOptions MailAuth { get; set; } = new();

    public ServerTransportOptions Transport { get; set; } = new();

    public Interchange.Pop3.Pop3Options Pop3 { get; set; } = new();

    public Interchange.Imap.ImapOptions Imap { get; set; } = new();

    /// <summary>DKIM signing of mail out (docs/DKIM.md).</summary>
    public Interchange.MailAuth.Dkim.DkimSigningOptions Dkim { get; set; } = new();

    /// <summary>ARC sealing of forwarded mail (docs/DKIM.md).</summary>
    public Interchange.MailAuth.Arc.ArcOptions Arc { get; set; } = new();

    /// <summary>The admin API, web console, metrics and autoconfiguration on the http/https listeners.</summary>
    public Interchange.Web.WebOptions Web { get; set; } = new();

    /// <summary>Every setting that cannot work, as one message per problem (empty when all is well).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        void Require(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        Require(PrimaryDomain is null || Core.Addressing.DomainName.TryParse(PrimaryDomain, out _, out _), $"PrimaryDomain: '{PrimaryDomain}' is not a valid domain name");
        Require(ShutdownTimeout > TimeSpan.Zero, "ShutdownTimeout must be positive");
        Require(DirectoryPollInterval > TimeSpan.Zero, "DirectoryPollInterval must be positive");
        Require(Hosting.StoreServices.Providers.Contains(Storage.Provider, StringComparer.OrdinalIgnoreCase), $"Storage:Provider must be one of: {string.Join(", ", Hosting.StoreServices.Providers)}");
        Require(Storage.Readers is >= 1 and <= 256, "Storage:Readers must be from 1 to 256");
        Require(Storage.MaxBatch is >= 1 and <= 100_000, "Storage:MaxBatch must be from 1 to 100000");
        Require(Storage.InlineMessageSize is >= 0 and <= 1024 * 1024, "Storage:InlineMessageSize must be from 0 to 1048576");
        Require(Directory.PasswordIterations >= 1, "Directory:PasswordIterations must be at least 1");
        Require(Directory.MinimumPasswordLength >= 1 && Directory.MinimumPasswordLength <= Directory.MaximumPasswordLength, "Directory:MinimumPasswordLength must be at least 1 and at most MaximumPasswordLength");
        problems.AddRange(Directory.Ldap.Validate());
        Require(LoginThrottle.MaxFailuresPerUser >= 1 && LoginThrottle.MaxFailuresPerUserAndAddress >= 1 && LoginThrottle.MaxFailuresPerAddress >= 1 && LoginThrottle.MaxTracked >= 1, "LoginThrottle limits must be at least 1");
        foreach (var proxy in LoginThrottle.TrustedProxies)
        {
            Require(IPNetwork.TryParse(proxy.Trim(), out _) || IPAddress.TryParse(proxy.Trim(), out _), $"LoginThrottle:TrustedProxies: '{proxy}' is neither an IP address nor a network");
        }

        Require(Smtp.MaxMessageSize >= 1024, "Smtp:MaxMessageSize must be at least 1024 bytes");
        Require(Smtp.MaxCommandLineLength >= 512, "Smtp:MaxCommandLineLength must be at least 512 (RFC 5321 4.5.3.1.4)");
        Require(Smtp.MaxRecipients >= 100, "Smtp:MaxRecipients must be at least 100 (RFC 5321 4.5.3.1.8)");
        Require(Smtp.MaxErrors >= 1 && Smtp.MaxNonMailCommands >= 1 && Smtp.MaxAuthAttempts >= 1, "Smtp limits must be at least 1");
        Require(Smtp.MaxConnections >= 1 && Smtp.MaxConnectionsPerAddress >= 1, "Smtp connection limits must be at least 1");
        Require(Smtp.CommandTimeout > TimeSpan.Zero && Smtp.DataTimeout > TimeSpan.Zero, "Smtp timeouts must be positive");
        for (var i = 0; i < Smtp.Milters.Count; i++)
        {
            problems.AddRange(Smtp.Milters[i].Validate($"Smtp:Milters:{i}"));
        }

        Require(Smtp.Milters.Select(m => m.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() == Smtp.Milters.Count, "Smtp:Milters: each milter needs its own Name");
        Require(Transport.CategorizerWorkers >= 1 && Transport.LocalDeliveryWorkers >= 1 && Transport.ClaimBatch >= 1, "Transport worker counts and ClaimBatch must be at least 1");
        Require(Pop3.MaxLineLength >= 255 && Pop3.MaxErrors >= 1 && Pop3.MaxAuthAttempts >= 1 && Pop3.MaxConnections >= 1 && Pop3.MaxConnectionsPerAddress >= 1, "Pop3 limits: MaxLineLength at least 255 (RFC 2449), the others at least 1");
        Require(Pop3.IdleTimeout >= TimeSpan.FromMinutes(1), "Pop3:IdleTimeout must be at least a minute (RFC 1939 asks for 10)");
        Require(Imap.MaxKeywords >= 1 && Imap.MaxKeywordLength >= 8, "Imap:MaxKeywords must be at least 1 and Imap:MaxKeywordLength at least 8");
        Require(Imap.MaxErrors >= 1 && Imap.MaxAuthAttempts >= 1 && Imap.MaxConnections >= 1 && Imap.MaxConnectionsPerAddress >= 1 && Imap.MaxAppendSize >= 1024, "Imap limits must be at least 1 (MaxAppendSize at least 1024)");
        Require(Imap.IdleTimeout > TimeSpan.Zero && Imap.LoginTimeout > TimeSpan.Zero, "Imap timeouts must be positive");
        Require(Pop3.LoginTimeout > TimeSpan.Zero && Smtp.LoginTimeout > TimeSpan.Zero && Smtp.EnvelopeTimeout > TimeSpan.Zero, "LoginTimeout and EnvelopeTimeout must be positive");
        Require(Smtp.MinDataRateGracePeriod >= TimeSpan.Zero && Imap.MinDataRateGracePeriod >= TimeSpan.Zero && Pop3.MinDataRateGracePeriod >= TimeSpan.Zero, "MinDataRateGracePeriod must not be negative (MinDataRate 0 turns the rate off)");
        Require(Transport.PollInterval > TimeSpan.Zero && Transport.RoutePollInterval > TimeSpan.Zero && Transport.MetricsInterval > TimeSpan.Zero, "Transport:PollInterval, RoutePollInterval and MetricsInterval must be positive");
        try
        {
            Interchange.Transport.Routing.ConfiguredRoute.ToEntries(Transport.Routes);
        }
        catch (FormatException ex)
        {
            problems.Add(ex.Message);
        }

        problems.AddRange(GatewayConfiguration.Validate(Transport.Gateways));
        foreach (var network in Smtp.RelayNetworks)
        {
            Require(IPNetwork.TryParse(network.Trim(), out _) || IPAddress.TryParse(network.Trim(), out _), $"Smtp:RelayNetworks: '{network}' is neither an IP address nor a network");
        }

        var smtpOut = Transport.Smtp;
        Require(smtpOut.Workers is >= 1 and <= 1000, "Transport:Smtp:Workers must be from 1 to 1000");
        Require(smtpOut.InitialDestinationConcurrency >= 1 && smtpOut.InitialDestinationConcurrency <= smtpOut.DestinationConcurrencyLimit, "Transport:Smtp:InitialDestinationConcurrency must be at least 1 and at most DestinationConcurrencyLimit");
        Require(smtpOut.Lease >= TimeSpan.FromSeconds(30), "Transport:Smtp:Lease must be at least 30 seconds (it is renewed every third of it)");
        Require(smtpOut.ConnectionCacheTime >= TimeSpan.Zero && smtpOut.DeadDestinationTime >= TimeSpan.Zero && smtpOut.MaxTransactionsPerConnection >= 1, "Transport:Smtp:ConnectionCacheTime and DeadDestinationTime must not be negative, MaxTransactionsPerConnection at least 1");
        Require(smtpOut.ConnectTimeout > TimeSpan.Zero && smtpOut.CommandTimeout > TimeSpan.Zero && smtpOut.DataFinalTimeout > TimeSpan.Zero, "Transport:Smtp timeouts must be positive");
        Require(smtpOut.MtaSts.FetchTimeout > TimeSpan.Zero && smtpOut.MtaSts.MaxPolicySize is >= 1024 and <= 1 << 20 && smtpOut.MtaSts.FetchFailureBackoff >= TimeSpan.Zero, "Transport:Smtp:MtaSts: FetchTimeout must be positive, MaxPolicySize from 1024 to 1048576, FetchFailureBackoff not negative");
        Require(smtpOut.MtaSts.TrustedCaFile.Length == 0 || File.Exists(smtpOut.MtaSts.TrustedCaFile), $"Transport:Smtp:MtaSts:TrustedCaFile: {smtpOut.MtaSts.TrustedCaFile} does not exist");
        Require(Transport.Dns.DnssecResolver.Length == 0 || IPEndPoint.TryParse(Transport.Dns.DnssecResolver.Trim(), out _), $"Transport:Dns:DnssecResolver: '{Transport.Dns.DnssecResolver}' is not \"ip\" or \"ip:port\"");
        try
        {
            _ = new Interchange.Transport.Bounces.RetrySchedule(Transport);
        }
        catch (ArgumentException ex)
        {
            problems.Add(ex.Message);
        }

        problems.AddRange(Dkim.Validate());
        Require(Arc.Domain is null || Core.Addressing.DomainName.TryParse(Arc.Domain, out _, out _), $"Arc:Domain: '{Arc.Domain}' is not a valid domain name");
        Require(Arc.Selector is null || Interchange.MailAuth.Dkim.DkimKeyStore.IsValidSelector(Arc.Selector), $"Arc:Selector: '{Arc.Selector}' is not a valid selector");
        Require(Storage.DeferredCommitDelay >= TimeSpan.Zero && Storage.DeferredCommitDelay <= TimeSpan.FromSeconds(1), "Storage:DeferredCommitDelay must be from 0 to 1 second");
        Require(Storage.ReclaimGrace >= TimeSpan.Zero, "Storage:ReclaimGrace must not be negative");
        Require(Storage.ReclaimInterval > TimeSpan.Zero && Storage.OrphanSearchInterval > TimeSpan.Zero, "Storage:ReclaimInterval and Storage:OrphanSearchInterval must be positive");
        Require(Storage.LockWaitWarning >= TimeSpan.Zero, "Storage:LockWaitWarning must not be negative (0 turns the watchdog off)");
        problems.AddRange(Web.Validate());
        return problems;
    }
}

public sealed class TlsOptions
{
    /// <summary>A PEM certificate (chain) or a PKCS#12 (.pfx/.p12) file; empty: a self-signed one made on first start.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key, when <see cref="CertificatePath"/> is PEM and the key is in its own file.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Password of a PKCS#12 file.</summary>
    public string? Password { get; set; }
}

public sealed class StorageOptions
{
    /// <summary>The store backend: <c>sqlite</c> (embedded, the default).</summary>
    public string Provider { get; set; } = "sqlite";

    public int Readers { get; set; } = 8;

    public int MaxBatch { get; set; } = 512;

    /// <summary>
    /// Accepted messages up to this many bytes are kept inside the database, written in the
    /// transaction that queues them (one fsync per message); larger ones are file blobs. 0: all files.
    /// </summary>
    public int InlineMessageSize { get; set; } = 64 * 1024;

    /// <summary>
    /// How long a local delivery's commit may wait for other work (the next accepted message) to
    /// share its fsync, when nothing else is being written. Zero commits each at once.
    /// </summary>
    public TimeSpan DeferredCommitDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The lock-wait watchdog: a write that waits longer than this for the store's writer (or the
    /// writer for the database lock) is logged as "lock wait: …" and counted in
    /// <c>interchange.store.lock_waits</c>. Zero turns it off.
    /// </summary>
    public TimeSpan LockWaitWarning { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long content no queue entry or message refers to any more stays before it is deleted:
    /// an IMAP session not yet told of an expunge may still FETCH the message (RFC 3501 7.4.1).
    /// </summary>
    public TimeSpan ReclaimGrace { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the content collector runs.</summary>
    public TimeSpan ReclaimInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often every content file is checked for a reference (files written for a message the
    /// client abandoned, or left by a crash); the first search runs one grace after start.
    /// </summary>
    public TimeSpan OrphanSearchInterval { get; set; } = TimeSpan.FromHours(24);
}
