namespace Interchange.Storage.Content;

/// <summary>How content is reclaimed (<c>Storage:Reclaim*</c> in configuration).</summary>
public sealed class ContentCollectionOptions
{
    /// <summary>
    /// How long released content stays readable. IMAP lets a session FETCH a message expunged
    /// by another until it is told of the expunge (RFC 3501 section 7.4.1): the grace covers it.
    /// </summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Most releases taken in one store transaction (each one may unlink a file while the writer waits).</summary>
    public int Batch { get; init; } = 64;
}
