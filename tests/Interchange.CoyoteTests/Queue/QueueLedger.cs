using Interchange.Storage.Queue;

namespace Interchange.CoyoteTests.Queue;

/// <summary>
/// What the stores answered the workers, as the workers saw it: how many messages routing took,
/// and every completion ticket (item id, fence) the store accepted, for a deferral or a delivery.
/// The contract (<see cref="DeliveryItem"/>) says an outcome applies only to the item as it was
/// found, so no ticket may be accepted twice.
/// </summary>
internal sealed class QueueLedger
{
    private readonly object _lock = new();
    private readonly List<(long Id, long Fence, string Outcome)> _accepted = [];
    private readonly List<long> _reported = [];
    private int _routed;

    public int Routed
    {
        get
        {
            lock (_lock)
            {
                return _routed;
            }
        }
    }

    public void AddRouted(int taken)
    {
        lock (_lock)
        {
            _routed += taken;
        }
    }

    public void AddAccepted(IEnumerable<DeliveryItem> items, IReadOnlyList<long> acceptedIds, string outcome)
    {
        lock (_lock)
        {
            _accepted.AddRange(items.Where(i => acceptedIds.Contains(i.Id)).Select(i => (i.Id, i.Fence, outcome)));
        }
    }

    /// <summary>Failed deliveries a report (the bounce step) covered, one entry per report that named them.</summary>
    public void AddReported(IEnumerable<ReportableDelivery> failures)
    {
        lock (_lock)
        {
            _reported.AddRange(failures.Select(f => f.Id));
        }
    }

    /// <summary>How many reports named each failed delivery.</summary>
    public Dictionary<long, int> Reports()
    {
        lock (_lock)
        {
            return _reported.GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        }
    }

    /// <summary>Tickets accepted more than once, with the outcomes they were accepted for ("" when none).</summary>
    public string TicketsAcceptedTwice()
    {
        lock (_lock)
        {
            return string.Join("; ", _accepted.GroupBy(a => (a.Id, a.Fence)).Where(g => g.Count() > 1)
                .Select(g => $"item {g.Key.Id} fence {g.Key.Fence}: {string.Join(" then ", g.Select(a => a.Outcome))}"));
        }
    }
}
