using System.Net;
using Microsoft.AspNetCore.Http;

namespace Interchange.Web.Security;

/// <summary>
/// <c>Web:RequireHttps</c>: the console, the API and anything that takes a password answer only
/// over HTTPS, where the password, the cookie and the token cannot be read on the way, except to
/// a client on this machine (loopback: a browser on the server, a script, the tests).
/// </summary>
public static class HttpsRequirement
{
    public static bool IsMet(HttpContext http, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        return !options.RequireHttps || http.Request.IsHttps || IsLoopback(http.Connection.RemoteIpAddress);
    }

    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
