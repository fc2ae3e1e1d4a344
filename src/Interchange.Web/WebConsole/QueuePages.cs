using System.Globalization;
using Interchange.Storage.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Interchange.Web.WebConsole;

/// <summary>
/// The queue as <c>interchange queue</c> shows it (<see cref="IQueueStore.ListAsync"/>, oldest
/// first, filtered by state and recipient domain), with bulk actions on the selected messages:
/// hold, release, retry, delete, bounce, each the store's administration call for that message.
/// </summary>
public static class QueuePages
{
    /// <summary>Most messages one bulk action takes.</summary>
    public const int MaxSelected = 500;

    private static readonly string[] s_actions = ["hold", "release", "retry", "bounce", "delete"];

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/queue", (HttpContext http, IQueueStore queue, WebOptions options, string? state, string? domain) =>
            ListAsync(http, queue, options, state, domain, null, null, StatusCodes.Status200OK));
        admin.MapPost("/queue", ActAsync);
    }

    private static async Task<IResult> ListAsync(HttpContext http, IQueueStore queue, WebOptions options, string? state, string? domain, string? notice, string? error, int status)
    {
        var view = new ConsoleView(http);
        QueueItemState? wanted = Enum.TryParse<QueueItemState>(state, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed : null;
        var toDomain = string.IsNullOrWhiteSpace(domain) ? null : domain.Trim();
        var entries = await queue.ListAsync(new QueueFilter(ToDomain: toDomain, State: wanted), Math.Clamp(options.Console.QueueRows, 1, 10_000), http.RequestAborted).ConfigureAwait(false);
        var statistics = await queue.StatisticsAsync(http.RequestAborted).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var rows = entries.Select(e => (IReadOnlyList<HtmlFragment>)
        [
            HtmlFragment.Of($"<input type=\"checkbox\" name=\"id\" value=\"{e.Id}\" id=\"q-{e.Id}\" form=\"queue-actions\"><label for=\"q-{e.Id}\" class=\"visually-hidden\">Select message {e.Id}</label>"),
            HtmlFragment.Text(e.Id.ToString(CultureInfo.InvariantCulture)),
            HtmlFragment.Of($"{ConsoleUi.When(e.ReceivedAt)}<br><span class=\"muted\">{ConsoleUi.Age(now - e.ReceivedAt)} ago</span>"),
            HtmlFragment.Text(e.Envelope.MailFrom.Length == 0 ? "<>" : e.Envelope.MailFrom),
            HtmlFragment.Of($"<ul>{e.Recipients.Select(r => HtmlFragment.Of($"<li>{r.Recipient}{(r.Original != r.Recipient ? $" (sent to {r.Original})" : string.Empty)} <strong class=\"state\">{r.State}</strong>{(r.Attempts > 0 ? $", {r.Attempts} attempt(s)" : string.Empty)}{(r.LastReply is null ? string.Empty : ": " + r.LastReply)}</li>"))}</ul>"),
            HtmlFragment.Text(Size(e.Size)),
        ]);
        var stateOptions = new List<(string, string)> { (string.Empty, "any") };
        stateOptions.AddRange(Enum.GetValues<QueueItemState>().Select(s => (s.ToString(), s.ToString())));
        var filter = HtmlFragment.Of($"""
            <form method="get" action="/console/queue" class="fields" role="search">
            {ConsoleUi.Select("queue-state", "state", "State", stateOptions, wanted?.ToString())}
            {ConsoleUi.Input("queue-domain", "domain", "Recipient domain", value: toDomain)}
            <button type="submit" class="secondary">Filter</button>
            </form>
            """);
        var buttons = s_actions.Select(a => HtmlFragment.Of($"<button type=\"submit\" name=\"action\" value=\"{a}\"{ConsoleView.Raw(a is "delete" or "bounce" ? " class=\"danger\"" : string.Empty)}>{char.ToUpperInvariant(a[0]) + a[1..]}</button>"));
        var actions = view.Form("/console/queue", HtmlFragment.Of($"""
            <input type="hidden" name="state" value="{wanted?.ToString()}"><input type="hidden" name="domain" value="{toDomain}">
            <div class="actions" role="group" aria-label="Actions on the selected messages">{buttons}</div>
            """), id: "queue-actions");
        var oldest = statistics.OldestReceivedAt is { } at ? $"{ConsoleUi.Age(now - at)} ({ConsoleUi.When(at)})" : "none";
        var selectAll = entries.Count == 0 ? HtmlFragment.Empty : HtmlFragment.Of($"<p><input type=\"checkbox\" id=\"select-all\" data-select-all=\"id\"><label for=\"select-all\">Select all shown</label></p>");
        var body = HtmlFragment.Of($"""
            <p>{statistics.NewMessages + statistics.RoutedMessages} message(s) queued, {statistics.PendingDeliveries} delivery(ies) pending, {statistics.FailedDeliveries} failed; oldest: {oldest}.</p>
            {filter}
            {actions}
            {selectAll}
            {ConsoleUi.Table("Queued messages", ["Select", "Id", "Received", "From", "Recipients", "Size"], rows, "The queue is empty.")}
            {(entries.Count >= options.Console.QueueRows ? HtmlFragment.Of($"<p class=\"muted\">Showing the oldest {entries.Count}: filter to see others.</p>") : HtmlFragment.Empty)}
            """);
        return view.Page("Queue", body, status, notice, error);
    }

    private static async Task<IResult> ActAsync(HttpContext http, IQueueStore queue, WebOptions options, ILoggerFactory loggers)
    {
        var form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
        var action = form["action"].ToString();
        var state = form["state"].ToString();
        var domain = form["domain"].ToString();
        var ids = new List<long>();
        foreach (var value in form["id"])
        {
            if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
            {
                ids.Add(id);
            }
        }

        if (!s_actions.Contains(action))
        {
            return await ListAsync(http, queue, options, state, domain, null, "Choose an action: hold, release, retry, bounce or delete.", StatusCodes.Status400BadRequest).ConfigureAwait(false);
        }

        if (ids.Count == 0 || ids.Count > MaxSelected)
        {
            return await ListAsync(http, queue, options, state, domain, null, ids.Count == 0 ? "Select at least one message." : $"Select at most {MaxSelected} messages at a time.", StatusCodes.Status400BadRequest).ConfigureAwait(false);
        }

        var changed = 0;
        foreach (var id in ids.Distinct())
        {
            var filter = QueueFilter.ForMessage(id);
            changed += action switch
            {
                "hold" => await queue.HoldAsync(filter, http.RequestAborted).ConfigureAwait(false),
                "release" => await queue.ReleaseAsync(filter, http.RequestAborted).ConfigureAwait(false),
                "retry" => await queue.RetryAsync(filter, http.RequestAborted).ConfigureAwait(false),
                "bounce" => await queue.BounceAsync(filter, http.RequestAborted).ConfigureAwait(false),
                _ => await queue.DeleteAsync(filter, http.RequestAborted).ConfigureAwait(false),
            };
        }

        loggers.CreateLogger("Interchange.Web.Console").LogInformation("Console: {User} ran {Action} on {Count} queued message(s): {Changed} recipient(s) changed", http.User.Identity?.Name, action, ids.Count, changed);
        return await ListAsync(http, queue, options, state, domain, $"{char.ToUpperInvariant(action[0]) + action[1..]}: {changed} recipient(s) of {ids.Count} message(s) changed.", null, StatusCodes.Status200OK).ConfigureAwait(false);
    }

    private static string Size(long bytes) =>
        bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024.0):F1} MiB" : bytes >= 1024 ? $"{bytes / 1024.0:F1} KiB" : $"{bytes} B";
}
