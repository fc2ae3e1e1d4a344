using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.Api;

/// <summary>
/// Reads a JSON request body with the API's own rules, so that every refusal is a problem
/// details answer naming what is wrong: <c>application/json</c> only (415), at most
/// <see cref="ApiOptions.MaxRequestBodyBytes"/> (413, checked while reading, not after), well-formed
/// JSON of the expected shape (400, with the JSON path and line of the fault).
/// </summary>
internal static class ApiJson
{
    public static async Task<T> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> type)
        where T : class
    {
        var options = http.RequestServices.GetRequiredService<ApiOptions>();
        if (!http.Request.HasJsonContentType())
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, "the request body must be JSON (Content-Type: application/json)");
        }

        var limit = options.MaxRequestBodyBytes;
        if (http.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        // Read at most limit + 1 bytes: a chunked body with no length is cut off as soon as it is too long.
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw TooLarge(limit);
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, "the request body is empty; a JSON object was expected");
        }

        try
        {
            return JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), type)
                ?? throw new ApiException(StatusCodes.Status400BadRequest, "the request body is null; a JSON object was expected");
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 0 } path ? $" at {path}" : string.Empty;
            var line = ex.LineNumber is { } l ? $" (line {l + 1}, byte {ex.BytePositionInLine + 1})" : string.Empty;
            throw new ApiException(StatusCodes.Status400BadRequest, $"the request body is not valid JSON of the expected shape{where}{line}");
        }
    }

    /// <summary>A string property that must be present and not blank.</summary>
    public static string Required(string? value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new ApiException(StatusCodes.Status400BadRequest, $"'{name}' is required") : value;

    private static ApiException TooLarge(int limit) =>
        new(StatusCodes.Status413PayloadTooLarge, $"the request body is larger than {limit} bytes");
}
