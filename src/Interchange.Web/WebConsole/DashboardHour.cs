namespace Interchange.Web.WebConsole;

/// <summary>One hour's counts (<paramref name="Start"/> is the hour's first instant, UTC), indexed by <see cref="DashboardSeries"/>.</summary>
public sealed record DashboardHour(DateTimeOffset Start, IReadOnlyList<long> Counts)
{
    public long this[DashboardSeries series] => Counts[(int)series];
}
