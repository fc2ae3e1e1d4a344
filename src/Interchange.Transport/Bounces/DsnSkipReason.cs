namespace Interchange.Transport.Bounces;

/// <summary>Why <see cref="DsnBuilder"/> built no notification; the caller logs it.</summary>
public enum DsnSkipReason
{
    /// <summary>A notification was built.</summary>
    None,

    /// <summary>The original came from the null reverse-path (it is itself a DSN): never a bounce of a bounce (RFC 3461 6.2, RFC 5321 4.5.5).</summary>
    NullSender,

    /// <summary>No recipient's NOTIFY asks for this kind of report (NEVER, or a list without it).</summary>
    NotRequested,

    /// <summary>The reverse-path cannot be written as a header (control characters, no domain): nobody to send it to.</summary>
    InvalidSender,
}
