using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Client;

/// <summary>
/// A session could not be set up (connect, greeting, EHLO, STARTTLS, AUTH): the reply (remote,
/// or made up when <see cref="Local"/>), whether it is permanent, and whether the TLS handshake
/// itself failed (with <see cref="SmtpTlsMode.May"/> the caller may retry with
/// <see cref="SmtpTlsMode.None"/>, as RFC 7435 allows).
/// </summary>
public sealed class SmtpClientException : Exception
{
    public SmtpClientException(string stage, SmtpReply reply, bool local, bool permanent = false, bool tlsHandshakeFailed = false, Exception? inner = null, SmtpTlsFailure? tlsFailure = null)
        : base($"{stage}: {reply}", inner)
    {
        Stage = stage;
        Reply = reply;
        Local = local;
        Permanent = permanent;
        TlsHandshakeFailed = tlsHandshakeFailed;
        TlsFailure = tlsFailure;
    }

    public SmtpClientException()
        : this("unknown", new SmtpReply(451, "4.0.0", "unknown"), local: true)
    {
    }

    public SmtpClientException(string message)
        : this(message, new SmtpReply(451, "4.0.0", message), local: true)
    {
    }

    public SmtpClientException(string message, Exception innerException)
        : this(message, new SmtpReply(451, "4.0.0", message), local: true, inner: innerException)
    {
    }

    /// <summary>Where it failed: connect, greeting, ehlo, starttls, tls, auth; "policy" when a TLS policy ruled the host out before connecting.</summary>
    public string Stage { get; }

    public SmtpReply Reply { get; }

    public bool Local { get; }

    /// <summary>True only for a 5xx greeting; everything else (auth, TLS, network) is temporary.</summary>
    public bool Permanent { get; }

    public bool TlsHandshakeFailed { get; }

    /// <summary>When TLS was required and not had: why, as RFC 8460 4.3 names it (for TLS reporting).</summary>
    public SmtpTlsFailure? TlsFailure { get; }
}
