using Interchange.Core.Net;
using Interchange.Directory.Administration;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.Api;

/// <summary>
/// <c>/api/v1/sessions</c>: the open SMTP, IMAP and POP3 sessions (<c>doveadm who</c>) and ending
/// them (<c>doveadm kick</c>): <see cref="SessionControl.End"/> with
/// <see cref="SessionEndReason.EndedByAdministrator"/>, which each protocol answers in its own words
/// (421, <c>* BYE</c>, <c>-ERR</c>) before it closes.
/// </summary>
internal static class SessionEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var sessions = api.MapGroup("/sessions").WithTags("Sessions");
        sessions.MapGet("/", List).Produces<Page<SessionView>>()
            .Describe("List the open sessions (optionally one user's or one protocol's), oldest first.", 400);
        sessions.MapDelete("/{id}", End).Produces(StatusCodes.Status204NoContent).Describe("End a session.", 404);
        sessions.MapDelete("/", EndUser).Produces<SessionsEnded>().Describe("End every session of ?user=.", 400);
    }

    private static IResult List(HttpContext http, SessionHeartbeat heartbeat, string? user, string? protocol, int? limit, string? cursor)
    {
        var key = user is null ? null : DirectoryService.ParseAddress(user).Key;
        var open = heartbeat.Sessions
            .Where(s => key is null || s.User == key)
            .Where(s => protocol is null || string.Equals(s.Protocol, protocol, StringComparison.OrdinalIgnoreCase))
            .OrderBy(s => s.StartedAt)
            .ThenBy(s => s.Id, StringComparer.Ordinal)
            .Select(View)
            .ToList();
        return TypedResults.Ok(Paging.ByPosition(http, open, limit, cursor));
    }

    private static IResult End(string id, HttpContext http, SessionHeartbeat heartbeat)
    {
        var ended = heartbeat.Sessions.Where(s => s.Id == id).Count(s => s.End(SessionEndReason.EndedByAdministrator));
        return ended > 0 ? TypedResults.NoContent() : ApiProblems.Result(http, StatusCodes.Status404NotFound, $"no open session {id}");
    }

    private static IResult EndUser(SessionHeartbeat heartbeat, string? user)
    {
        var key = DirectoryService.ParseAddress(ApiJson.Required(user, "user")).Key;
        var ended = heartbeat.Sessions.Where(s => s.User == key).Count(s => s.End(SessionEndReason.EndedByAdministrator));
        return TypedResults.Ok(new SessionsEnded(ended));
    }

    private static SessionView View(SessionControl s) => new(s.Id ?? string.Empty, s.Protocol ?? string.Empty, s.Client?.ToString() ?? string.Empty, s.User, s.StartedAt);
}
