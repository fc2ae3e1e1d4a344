using System.Globalization;

namespace Interchange.Web.WebConsole;

/// <summary>
/// The deliveries-and-bounces-per-hour chart as server-rendered SVG: bars per hour, classes for
/// colours (the stylesheet's; no inline style under the CSP), a title and description for screen
/// readers, and the same figures as a table beside it.
/// </summary>
public static class DashboardChart
{
    private const int Width = 720;
    private const int Height = 220;
    private const int Left = 40;
    private const int Bottom = 24;
    private const int Top = 10;

    private static readonly (DashboardSeries Series, string Class, string Label)[] s_series =
    [
        (DashboardSeries.Delivered, "delivered", "Delivered"),
        (DashboardSeries.Deferred, "deferred", "Deferred"),
        (DashboardSeries.Bounces, "bounced", "Bounces sent"),
    ];

    public static HtmlFragment Render(IReadOnlyList<DashboardHour> hours)
    {
        ArgumentNullException.ThrowIfNull(hours);
        var max = Math.Max(1, hours.SelectMany(h => s_series.Select(s => h[s.Series])).DefaultIfEmpty(0).Max());
        var plotHeight = Height - Bottom - Top;
        var slot = (Width - Left) / (double)Math.Max(1, hours.Count);
        var bar = Math.Max(1, (slot - 4) / s_series.Length);
        var shapes = new List<HtmlFragment>();
        for (var i = 0; i < hours.Count; i++)
        {
            var x0 = Left + (i * slot) + 2;
            for (var s = 0; s < s_series.Length; s++)
            {
                var value = hours[i][s_series[s].Series];
                if (value == 0)
                {
                    continue;
                }

                var h = Math.Max(1, plotHeight * value / (double)max);
                shapes.Add(HtmlFragment.Of($"<rect class=\"{s_series[s].Class}\" x=\"{F(x0 + (s * bar))}\" y=\"{F(Top + plotHeight - h)}\" width=\"{F(bar)}\" height=\"{F(h)}\"><title>{hours[i].Start.UtcDateTime.ToString("HH:00", CultureInfo.InvariantCulture)}: {value} {s_series[s].Label.ToLowerInvariant()}</title></rect>"));
            }

            if (i % 3 == 0)
            {
                shapes.Add(HtmlFragment.Of($"<text x=\"{F(x0)}\" y=\"{Height - 8}\">{hours[i].Start.UtcDateTime.ToString("HH:00", CultureInfo.InvariantCulture)}</text>"));
            }
        }

        var legend = s_series.Select(s => HtmlFragment.Of($"<li class=\"{s.Class}\">{s.Label}</li>"));
        var rows = hours.Reverse().Where(h => s_series.Any(s => h[s.Series] > 0)).Select(h => (IReadOnlyList<HtmlFragment>)
        [
            HtmlFragment.Text(h.Start.UtcDateTime.ToString("yyyy-MM-dd HH:00 'UTC'", CultureInfo.InvariantCulture)),
            .. s_series.Select(s => HtmlFragment.Text(h[s.Series].ToString(CultureInfo.InvariantCulture))),
        ]);
        return HtmlFragment.Of($"""
            <svg class="chart" viewBox="0 0 {Width} {Height}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">
            <title id="chart-title">Deliveries and bounces per hour, last 24 hours (UTC)</title>
            <desc id="chart-desc">Bars per hour: delivered, deferred and bounces sent; the highest bar is {max}. The figures are in the table below.</desc>
            <line class="axis" x1="{Left}" y1="{Top + plotHeight}" x2="{Width}" y2="{Top + plotHeight}"></line>
            <line class="axis" x1="{Left}" y1="{Top}" x2="{Left}" y2="{Top + plotHeight}"></line>
            <text x="2" y="{Top + 8}">{max}</text><text x="2" y="{Top + plotHeight}">0</text>
            {shapes}
            </svg>
            <ul class="legend">{legend}</ul>
            <details><summary>Figures per hour</summary>
            {ConsoleUi.Table("Deliveries and bounces per hour", ["Hour", .. s_series.Select(s => s.Label)], rows, "Nothing delivered, deferred or bounced in the last 24 hours.")}
            </details>
            """);
    }

    private static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
