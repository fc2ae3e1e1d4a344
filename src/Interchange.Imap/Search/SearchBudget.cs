namespace Interchange.Imap.Search;

/// <summary>
/// The work one SEARCH command may do on message content: bytes of body parts read and decoded
/// times the strings looked for in them (the matcher is linear in each), summed over every message
/// it looks at. A part is charged before it is read, so the limit holds
/// before the work is done; past it the command ends with <c>NO [LIMIT]</c> (RFC 5530).
/// Not shared between threads: one per command.
/// </summary>
public sealed class SearchBudget
{
    /// <param name="maxBytes">Bytes of text times the strings looked for in it.</param>
    /// <param name="cancellation">Ends the work when the session ends (the client went away, shutdown, revocation).</param>
    public SearchBudget(long maxBytes, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        MaxBytes = maxBytes;
        Cancellation = cancellation;
    }

    /// <summary>No limit (0 in configuration).</summary>
    public static SearchBudget Unlimited => new(long.MaxValue);

    public long MaxBytes { get; }

    public CancellationToken Cancellation { get; }

    public long Used { get; private set; }

    /// <summary>Takes <paramref name="bytes"/> from the budget, or throws when they would exceed it.</summary>
    public void Charge(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Cancellation.ThrowIfCancellationRequested();
        if (bytes > MaxBytes - Used)
        {
            throw new SearchLimitExceededException(MaxBytes);
        }

        Used += bytes;
    }
}
