using System.Globalization;
using Interchange.Storage.Queue;
using Interchange.Transport.Queue;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.Api;

/// <summary>
/// <c>/api/v1/queue</c>: what <c>interchange queue</c> does (Postfix's <c>postqueue -p</c>/<c>postsuper</c>):
/// list with the same filters, show, and retry, hold, release, delete, bounce on one message or on
/// every message a filter matches (a filter, or <c>all=true</c>, is required: an empty filter never
/// means "everything" by accident). Each action is one store transaction; the answer says how
/// many recipients it changed.
/// </summary>
internal static class QueueEndpoints
{
    private static readonly string[] Actions = ["retry", "hold", "release", "delete", "bounce", "flush"];

    public static void Map(RouteGroupBuilder api)
    {
        var queue = api.MapGroup("/queue").WithTags("Queue");
        queue.MapGet("/", ListAsync).Produces<Page<QueueEntryView>>()
            .Describe("List queued messages with the recipients the filter matches, oldest first (filters: id, toDomain, from, olderThan, state, connector).", 400);
        queue.MapGet("/{id:long}", ShowAsync).Produces<QueueEntryView>().Describe("Show a queued message: its envelope and every recipient's state.", 404);
        queue.MapPost("/{id:long}/{action}", ActOnOneAsync).Produces<QueueActionResult>()
            .Describe("retry, hold, release, delete or bounce one message.", 400, 404);
        queue.MapDelete("/{id:long}", DeleteOneAsync).Produces<QueueActionResult>()
            .Describe("Delete one message's undelivered recipients, with no bounce.", 404);
        queue.MapPost("/{action}", ActOnFilterAsync).Produces<QueueActionResult>()
            .Describe("retry, hold, release, delete, bounce or flush every message the query's filter matches (or all=true).", 400);
    }

    private static async Task<IResult> ListAsync(HttpContext http, IQueueStore queue, ApiOptions options, long? id, string? toDomain, string? from, string? olderThan, string? state, string? connector, int? limit, string? cursor, CancellationToken ct)
    {
        var filter = Filter(id, toDomain, from, olderThan, state, connector);
        var entries = await queue.ListAsync(filter, options.MaxQueueScan, ct).ConfigureAwait(false);

        // Keyed by the zero-padded id, so the ordinal order of keys is the order of ids.
        return TypedResults.Ok(Paging.ByKey(http, entries, e => e.Id.ToString("D20", CultureInfo.InvariantCulture), limit, cursor).Map(View));
    }

    private static async Task<IResult> ShowAsync(long id, HttpContext http, IQueueStore queue, CancellationToken ct) =>
        await queue.ShowAsync(id, ct).ConfigureAwait(false) is { } entry
            ? TypedResults.Ok(View(entry))
            : ApiProblems.Result(http, StatusCodes.Status404NotFound, $"no message {id} in the queue");

    private static async Task<IResult> ActOnOneAsync(long id, string action, HttpContext http, IQueueStore queue, CancellationToken ct)
    {
        if (action == "flush" || !Actions.Contains(action))
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"'{action}' is not an action on a message: retry, hold, release, delete or bounce");
        }

        if (await queue.ShowAsync(id, ct).ConfigureAwait(false) is null)
        {
            return ApiProblems.Result(http, StatusCodes.Status404NotFound, $"no message {id} in the queue");
        }

        return TypedResults.Ok(new QueueActionResult(action, await RunAsync(queue, action, QueueFilter.ForMessage(id), ct).ConfigureAwait(false)));
    }

    private static Task<IResult> DeleteOneAsync(long id, HttpContext http, IQueueStore queue, CancellationToken ct) =>
        ActOnOneAsync(id, "delete", http, queue, ct);

    private static async Task<IResult> ActOnFilterAsync(string action, IQueueStore queue, long? id, string? toDomain, string? from, string? olderThan, string? state, string? connector, bool? all, CancellationToken ct)
    {
        if (!Actions.Contains(action))
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"'{action}' is not a queue action: retry, hold, release, delete, bounce or flush");
        }

        var filter = Filter(id, toDomain, from, olderThan, state, connector);
        if (action != "flush" && filter == QueueFilter.All && all != true)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, $"queue {action} needs a filter (id, toDomain, from, olderThan, state, connector) or all=true");
        }

        return TypedResults.Ok(new QueueActionResult(action, await RunAsync(queue, action, filter, ct).ConfigureAwait(false)));
    }

    private static Task<int> RunAsync(IQueueStore queue, string action, QueueFilter filter, CancellationToken ct) => action switch
    {
        "retry" => queue.RetryAsync(filter, ct),
        "hold" => queue.HoldAsync(filter, ct),
        "release" => queue.ReleaseAsync(filter, ct),
        "delete" => queue.DeleteAsync(filter, ct),
        "bounce" => queue.BounceAsync(filter, ct),
        _ => queue.FlushAsync(ct),
    };

    private static QueueFilter Filter(long? id, string? toDomain, string? from, string? olderThan, string? state, string? connector) => new(
        id,
        Blank(toDomain),
        Blank(from),
        olderThan is null ? null : ParseAge(olderThan),
        state is null ? null : ParseState(state),
        Blank(connector)?.ToLowerInvariant());

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static TimeSpan ParseAge(string text) => QueueFilterText.TryParseAge(text, out var age)
        ? age
        : throw new ApiException(StatusCodes.Status400BadRequest, $"olderThan: '{text}' is not an age (90s, 30m, 2h, 5d, 1w, or seconds)");

    private static QueueItemState ParseState(string text) => QueueFilterText.TryParseState(text, out var state)
        ? state
        : throw new ApiException(StatusCodes.Status400BadRequest, $"state: '{text}' is not a queue state ({QueueFilterText.StateNames})");

    private static string StateName(QueueItemState state) => QueueFilterText.StateName(state);

    private static QueueEntryView View(QueueEntry e) => new(
        e.Id,
        e.ReceivedAt,
        e.Size,
        e.Envelope.MailFrom.Length == 0 ? "<>" : e.Envelope.MailFrom,
        e.Envelope.Client,
        e.Envelope.AuthenticatedUser,
        e.Envelope.HoldReason,
        [.. e.Recipients.Select(r => new QueueRecipientView(r.Recipient, r.Original, r.Connector, StateName(r.State), r.Attempts, r.LastReply, r.NextAttempt, r.LastAttempt, r.Owner))]);
}
