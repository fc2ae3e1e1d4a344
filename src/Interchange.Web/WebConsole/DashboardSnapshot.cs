namespace Interchange.Web.WebConsole;

/// <summary>
/// What the dashboard shows, read at one moment: the last 24 hours oldest first (an hour with
/// nothing is all zeros), totals since the server started, and open connections per protocol
/// as the <c>interchange.connections</c> up-down counter says.
/// </summary>
public sealed record DashboardSnapshot(
    IReadOnlyList<DashboardHour> Hours,
    IReadOnlyList<long> Totals,
    IReadOnlyDictionary<string, long> Connections,
    DateTimeOffset Since)
{
    public long Total(DashboardSeries series) => Totals[(int)series];

    /// <summary>The sum of a series over the 24 hours shown.</summary>
    public long Last24Hours(DashboardSeries series) => Hours.Sum(h => h[series]);
}
