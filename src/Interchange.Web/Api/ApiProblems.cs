using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Interchange.Web.Api;

/// <summary>Every error of the API is an RFC 9457 problem details object (<c>application/problem+json</c>).</summary>
internal static class ApiProblems
{
    public const string ContentType = "application/problem+json";

    /// <summary>RFC 9457 4.2.1: "about:blank" says the status code is the whole story; the title is then its phrase.</summary>
    public static ProblemDetails Create(HttpContext http, int status, string? detail) => new()
    {
        Type = "about:blank",
        Title = ReasonPhrases.GetReasonPhrase(status),
        Status = status,
        Detail = detail,
        Instance = http.Request.Path.Value,
    };

    public static IResult Result(HttpContext http, int status, string? detail) =>
        TypedResults.Problem(Create(http, status, detail));

    public static Task WriteAsync(HttpContext http, int status, string? detail)
    {
        http.Response.StatusCode = status;
        return Result(http, status, detail).ExecuteAsync(http);
    }
}
