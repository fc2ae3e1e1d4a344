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

    public StoreOptions Store { get; set; } = new();

    public Interchange.Smtp.SmtpOptions Smtp { get; set; } = new();

    public Interchange.Transport.TransportOptions Transport { get; set; } = new();
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

public sealed class StoreOptions
{
    public int Readers { get; set; } = 8;

    public int MaxBatch { get; set; } = 512;
}
