using System.Globalization;
using System.Text;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.Api;

/// <summary>
/// Pagination of every list: <c>limit</c> (1 to <see cref="ApiOptions.MaxPageSize"/>) and an opaque
/// <c>cursor</c> from the previous page. Directory lists page by key (the cursor is the last key
/// seen, so an entry added or removed meanwhile shifts nothing); short, ordered lists (routes,
/// sessions, keys, tokens) by position. The next page's URL is in the body (<c>next</c>) and in a
/// <c>Link: &lt;…&gt;; rel="next"</c> header (RFC 8288).
/// </summary>
internal static class Paging
{
    /// <summary>A page of <paramref name="items"/> in ordinal order of <paramref name="key"/>, after the cursor's key.</summary>
    public static Page<T> ByKey<T>(HttpContext http, IEnumerable<T> items, Func<T, string> key, int? limit, string? cursor)
    {
        var size = Size(http, limit);
        var after = cursor is null ? null : Decode(cursor);
        var window = items
            .Where(i => after is null || string.CompareOrdinal(key(i), after) > 0)
            .OrderBy(key, StringComparer.Ordinal)
            .Take(size + 1)
            .ToList();
        return Finish(http, window, size, last => Encode(key(last)));
    }

    /// <summary>A page of <paramref name="items"/> in their given order, from the cursor's position.</summary>
    public static Page<T> ByPosition<T>(HttpContext http, IReadOnlyList<T> items, int? limit, string? cursor)
    {
        var size = Size(http, limit);
        var start = 0;
        if (cursor is not null && !int.TryParse(Decode(cursor), NumberStyles.None, CultureInfo.InvariantCulture, out start))
        {
            throw BadCursor();
        }

        var window = items.Skip(start).Take(size + 1).ToList();
        return Finish(http, window, size, _ => Encode((start + size).ToString(CultureInfo.InvariantCulture)));
    }

    private static Page<T> Finish<T>(HttpContext http, List<T> window, int size, Func<T, string> nextCursor)
    {
        if (window.Count <= size)
        {
            return new Page<T>(window, null, null);
        }

        window.RemoveAt(size);
        var cursor = nextCursor(window[^1]);
        var query = new QueryBuilder(http.Request.Query.Where(q => q.Key != "cursor").SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? string.Empty))))
        {
            { "cursor", cursor },
        };
        var next = http.Request.PathBase + http.Request.Path + query.ToQueryString();
        http.Response.Headers.Link = $"<{next}>; rel=\"next\"";
        return new Page<T>(window, cursor, next);
    }

    private static int Size(HttpContext http, int? limit)
    {
        var options = http.RequestServices.GetRequiredService<ApiOptions>();
        var size = limit ?? options.DefaultPageSize;
        return size >= 1 && size <= options.MaxPageSize
            ? size
            : throw new ApiException(StatusCodes.Status400BadRequest, $"limit must be between 1 and {options.MaxPageSize}");
    }

    private static string Encode(string key) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(key));

    private static string Decode(string cursor)
    {
        try
        {
            return Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor));
        }
        catch (FormatException)
        {
            throw BadCursor();
        }
    }

    private static ApiException BadCursor() => new(StatusCodes.Status400BadRequest, "cursor is not one this API gave out");
}
