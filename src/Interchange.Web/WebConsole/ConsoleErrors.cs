using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;
using Interchange.Storage.Routing;
using Microsoft.AspNetCore.Http;

namespace Interchange.Web.WebConsole;

/// <summary>Turns a refused change into what the page shows: a status and a message fit for an administrator.</summary>
public static class ConsoleErrors
{
    /// <summary>The status and message for an expected refusal; null for anything else (a bug: let it be logged as one).</summary>
    public static (int Status, string Message)? Describe(Exception exception) => exception switch
    {
        DirectoryInputException e => (StatusCodes.Status400BadRequest, e.Message),
        FormatException e => (StatusCodes.Status400BadRequest, e.Message),
        DirectoryStoreException { Error: DirectoryStoreError.NotFound } e => (StatusCodes.Status404NotFound, e.Message),
        DirectoryStoreException e => (StatusCodes.Status409Conflict, e.Message),
        RouteStoreException { Error: RouteStoreError.NotFound } e => (StatusCodes.Status404NotFound, e.Message),
        RouteStoreException e => (StatusCodes.Status409Conflict, e.Message),
        _ => null,
    };

    /// <summary>The notice for a <c>done=</c> code after a change (a fixed text: nothing from the URL is echoed as a message).</summary>
    public static string? Notice(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return http.Request.Query["done"].ToString() switch
        {
            "created" => "Created.",
            "saved" => "Saved.",
            "deleted" => "Deleted.",
            "added" => "Added.",
            "removed" => "Removed.",
            "password" => "Your password is changed.",
            "import" => "The import has started.",
            _ => null,
        };
    }
}
