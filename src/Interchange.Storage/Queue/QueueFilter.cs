namespace Interchange.Storage.Queue;

/// <summary>
/// Which queued recipients an administrative operation applies to (<see cref="IQueueStore.ListAsync"/>
/// and the actions); every given criterion must hold, an empty filter matches everything.
/// </summary>
/// <param name="MessageId">One queue message (its id, as <c>queue list</c> shows it).</param>
/// <param name="ToDomain">Recipients in this domain (case-insensitive; the final address, or the RCPT TO address it came from).</param>
/// <param name="From">The envelope sender: an address (case-insensitive), '@domain' for any sender of a domain, or '&lt;&gt;' for the null sender.</param>
/// <param name="OlderThan">Messages accepted longer ago than this.</param>
/// <param name="State">Recipients in this state.</param>
/// <param name="Connector">Recipients routed to this connector.</param>
public sealed record QueueFilter(
    long? MessageId = null,
    string? ToDomain = null,
    string? From = null,
    TimeSpan? OlderThan = null,
    QueueItemState? State = null,
    string? Connector = null)
{
    /// <summary>Everything in the queue.</summary>
    public static QueueFilter All { get; } = new();

    /// <summary>One message, every recipient.</summary>
    public static QueueFilter ForMessage(long id) => new(MessageId: id);
}
