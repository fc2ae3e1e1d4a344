namespace Interchange.Imap.Search;

/// <summary>A SEARCH would read more message content than its <see cref="SearchBudget"/> allows.</summary>
public sealed class SearchLimitExceededException : Exception
{
    public SearchLimitExceededException()
        : this(0)
    {
    }

    public SearchLimitExceededException(string message)
        : base(message)
    {
    }

    public SearchLimitExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SearchLimitExceededException(long maxBytes)
        : base($"SEARCH would read more than {maxBytes} bytes of message content; narrow it (a mailbox, a date range, fewer text keys)")
    {
        MaxBytes = maxBytes;
    }

    public long MaxBytes { get; }
}
