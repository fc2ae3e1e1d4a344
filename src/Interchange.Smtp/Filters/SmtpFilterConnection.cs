using System.Net;

namespace Interchange.Smtp.Filters;

/// <summary>
/// What a filter may know of the SMTP connection it is opened for; the properties that change
/// during a session (HELO, TLS, login, queue id) are read when each stage is called. Milters get
/// them as Postfix's macros (<c>j</c>, <c>{daemon_name}</c>, <c>{client_addr}</c>, <c>_</c>,
/// <c>{tls_version}</c>, <c>{auth_authen}</c>, <c>i</c>…).
/// </summary>
public abstract class SmtpFilterConnection
{
    /// <summary>The listener: <c>smtp</c>, <c>submission</c> or <c>submissions</c>.</summary>
    public abstract string Listener { get; }

    /// <summary>This server's host name (macro <c>j</c>).</summary>
    public abstract string HostName { get; }

    /// <summary>The session id as logged.</summary>
    public abstract string SessionId { get; }

    /// <summary>The client's address and port (port 0 when the listener did not say).</summary>
    public abstract IPEndPoint Client { get; }

    /// <summary>The address and port the client connected to, when known.</summary>
    public abstract IPEndPoint? Local { get; }

    /// <summary>HELO/EHLO as given; null before it.</summary>
    public abstract string? Helo { get; }

    public abstract bool IsTls { get; }

    /// <summary>The TLS protocol (<c>TLSv1.3</c>) and cipher suite, when <see cref="IsTls"/>.</summary>
    public abstract string? TlsProtocol { get; }

    public abstract string? TlsCipher { get; }

    /// <summary>The authenticated user (SASL), null when not logged in.</summary>
    public abstract string? AuthenticatedUser { get; }

    /// <summary>The SASL mechanism of the login (<c>PLAIN</c>, <c>LOGIN</c>), null when not logged in.
    /// Milters read it as <c>{auth_type}</c>; OpenDKIM signs for a client with it set whatever its address.</summary>
    public virtual string? AuthenticationMechanism => null;

    /// <summary>The id of the transaction in progress (<c>{session}.{n}</c>), as in our Received field; the queue id comes only at commit.</summary>
    public abstract string? TransactionId { get; }
}
