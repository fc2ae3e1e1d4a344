using System.Globalization;
using Interchange.Core.Net;
using Interchange.Storage.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.WebConsole;

/// <summary>
/// The dashboard: messages in and out, the queue (depth and oldest message, read from the store:
/// one query), deliveries and bounces per hour, connections per protocol, auth failures.
/// Counts come from <see cref="DashboardStatistics"/> (since this server started).
/// </summary>
public static class DashboardPage
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("", async (HttpContext http, DashboardStatistics statistics, IQueueStore queue) =>
        {
            var view = new ConsoleView(http);
            var snapshot = statistics.Snapshot();
            var depth = await queue.StatisticsAsync(http.RequestAborted).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow;
            var sessions = http.RequestServices.GetService<SessionHeartbeat>()?.Sessions ?? [];
            var byProtocol = sessions.GroupBy(s => s.Protocol ?? "unknown").ToDictionary(g => g.Key, g => (long)g.Count(), StringComparer.Ordinal);
            var connections = snapshot.Connections.Count > 0 ? snapshot.Connections : byProtocol;
            var cards = new (string Label, string Value, string Id)[]
            {
                ("Messages in (24 h)", N(snapshot.Last24Hours(DashboardSeries.Accepted)), "in"),
                ("Delivered (24 h)", N(snapshot.Last24Hours(DashboardSeries.Delivered)), "out"),
                ("Queued messages", N(depth.NewMessages + depth.RoutedMessages), "queue-depth"),
                ("Oldest queued", depth.OldestReceivedAt is { } oldest ? ConsoleUi.Age(now - oldest) : "none", "queue-oldest"),
                ("Deferred (24 h)", N(snapshot.Last24Hours(DashboardSeries.Deferred)), "deferred"),
                ("Bounces sent (24 h)", N(snapshot.Last24Hours(DashboardSeries.Bounces)), "bounces"),
                ("Failed deliveries (24 h)", N(snapshot.Last24Hours(DashboardSeries.Failed)), "failed"),
                ("Auth failures (24 h)", N(snapshot.Last24Hours(DashboardSeries.AuthFailures)), "auth-failures"),
            };
            var cardList = cards.Select(c => HtmlFragment.Of($"<li class=\"card\" id=\"card-{c.Id}\"><span class=\"value\">{c.Value}</span><span class=\"label\">{c.Label}</span></li>"));
            var connectionRows = connections.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (IReadOnlyList<HtmlFragment>)
            [
                HtmlFragment.Text(c.Key),
                HtmlFragment.Text(N(c.Value)),
                HtmlFragment.Text(N(byProtocol.GetValueOrDefault(c.Key))),
            ]);
            var body = HtmlFragment.Of($"""
                <ul class="cards" aria-label="Figures">{cardList}</ul>
                <h2>Deliveries and bounces per hour</h2>
                {DashboardChart.Render(snapshot.Hours)}
                <h2>Connections</h2>
                {ConsoleUi.Table("Connections per protocol", ["Protocol", "Open connections", "Signed-in sessions"], connectionRows, "No connections open.")}
                <p class="muted">Counts since {ConsoleUi.When(snapshot.Since)}; the queue as of {ConsoleUi.When(now)}. Since start: {N(snapshot.Total(DashboardSeries.Accepted))} in, {N(snapshot.Total(DashboardSeries.Delivered))} delivered.</p>
                """);
            return view.Page("Dashboard", body);
        });
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
