namespace Interchange.Storage;

/// <summary>
/// The one exception type the store's contracts throw. Callers above the store (protocols, the
/// host, the CLI) catch this and nothing backend-specific: a backend wraps its own failures
/// (a SQLite or PostgreSQL error, a writer that has stopped) in a <see cref="StoreException"/>
/// with <see cref="IsUnavailable"/> set, and refusals of a request (a name taken, a mailbox
/// missing) are its subclasses with their own error codes.
/// </summary>
public class StoreException : Exception
{
    public StoreException(string message)
        : base(message)
    {
    }

    public StoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
        IsUnavailable = true;
    }

    /// <summary>
    /// True when the store could not do the work at all (the database failed, is busy past its
    /// bound or is shutting down): a temporary condition for the client (SMTP 451, IMAP NO
    /// [UNAVAILABLE]), not a refusal of what it asked.
    /// </summary>
    public bool IsUnavailable { get; init; }
}
