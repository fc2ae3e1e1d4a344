using System.Net;
using System.Text;
using System.Xml.Linq;
using Interchange.Core.Addressing;
using Interchange.Directory.Security;
using Interchange.Storage.Accounts;
using Interchange.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Interchange.Web.Autoconfig;

/// <summary>
/// Client autoconfiguration (docs/AUTOCONFIG.md): Thunderbird autoconfig at
/// <c>/.well-known/autoconfig/mail/config-v1.1.xml</c> and <c>/mail/config-v1.1.xml</c>, Microsoft
/// Autodiscover (POX) at <c>POST /autodiscover/autodiscover.xml</c>, and an Apple configuration
/// profile (signed with the server's certificate) at <c>/autoconfig/apple.mobileconfig</c> for a signed-in user (the console's cookie, or
/// HTTP Basic with the mail password over HTTPS). All name the listeners as bound.
/// </summary>
public static class AutoconfigEndpoints
{
    /// <summary>Where the Apple profile is served.</summary>
    public const string ApplePath = "/autoconfig/apple.mobileconfig";

    /// <summary>Services this area needs (called once at startup).</summary>
    public static void AddServices(IServiceCollection services, WebOptions options)
    {
        _ = options;

        // The server's certificate when the host registered one (it does: the TLS listeners' own).
        services.AddSingleton(sp => new ProfileSigner(sp.GetService<System.Security.Cryptography.X509Certificates.X509Certificate2>()));
    }

    /// <summary>Maps this area's endpoints.</summary>
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/.well-known/autoconfig/mail/config-v1.1.xml", ThunderbirdAsync);
        endpoints.MapGet("/mail/config-v1.1.xml", ThunderbirdAsync);

        // Outlook spells the path both ways; routing is case-insensitive, so one route serves both.
        endpoints.MapPost("/autodiscover/autodiscover.xml", AutodiscoverAsync);
        endpoints.MapGet(ApplePath, AppleAsync);
    }

    private static async Task<IResult> ThunderbirdAsync(HttpContext http, ServerInfo server, WebOptions options, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        // Thunderbird passes the address (?emailaddress=); without it, the host asked for
        // (autoconfig.DOMAIN or DOMAIN itself) names the domain.
        string? domain;
        if (http.Request.Query["emailaddress"] is { Count: > 0 } given)
        {
            domain = EmailAddress.TryParse(given[0], out var address, out _) ? address.Domain.Value : null;
            if (domain is null)
            {
                return Results.Text("emailaddress is not an email address\n", "text/plain", statusCode: StatusCodes.Status400BadRequest);
            }
        }
        else
        {
            var host = http.Request.Host.Host;
            domain = host.StartsWith("autoconfig.", StringComparison.OrdinalIgnoreCase) ? host["autoconfig.".Length..] : host;
        }

        var local = await LocalDomainAsync(directory, domain, cancellationToken).ConfigureAwait(false);
        if (local is null)
        {
            return Results.NotFound();
        }

        return Xml(ThunderbirdConfig.Build(local, ClientServices.From(server, options)), "application/xml");
    }

    private static async Task<IResult> AutodiscoverAsync(HttpContext http, ServerInfo server, WebOptions options, IDirectoryStore directory, CancellationToken cancellationToken)
    {
        var body = await ReadBoundedAsync(http.Request, AutodiscoverResponder.MaxRequestBytes, cancellationToken).ConfigureAwait(false);
        var request = body is null ? AutodiscoverRequest.Invalid(600, "Invalid Request: too large") : AutodiscoverResponder.Parse(body);
        if (!request.IsValid)
        {
            return Xml(AutodiscoverResponder.Error(request.ErrorCode!.Value, request.ErrorMessage!), "text/xml");
        }

        if (!EmailAddress.TryParse(request.EmailAddress, out var address, out _)
            || await LocalDomainAsync(directory, address.Domain.Value, cancellationToken).ConfigureAwait(false) is null)
        {
            return Xml(AutodiscoverResponder.Error(500, "The e-mail address cannot be found."), "text/xml");
        }

        return Xml(AutodiscoverResponder.Settings(request.EmailAddress!, ClientServices.From(server, options)), "text/xml");
    }

    private static async Task<IResult> AppleAsync(HttpContext http, ServerInfo server, WebOptions options, IDirectoryStore directory, Authenticator authenticator, ProfileSigner signer, CancellationToken cancellationToken)
    {
        var user = await SignedInUserAsync(http, options, directory, authenticator, cancellationToken).ConfigureAwait(false);
        if (user is null)
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"Interchange mail profile\", charset=\"UTF-8\"";
            return Results.Text("sign in (the console, or Basic authentication over HTTPS) to download your mail profile\n", "text/plain", statusCode: StatusCodes.Status401Unauthorized);
        }

        var profile = AppleProfile.Build(user.Address, ClientServices.From(server, options));
        if (profile is null)
        {
            return Results.Text("this server offers no IMAP/POP3 or no submission listener to put in a profile\n", "text/plain", statusCode: StatusCodes.Status404NotFound);
        }

        http.Response.Headers.ContentDisposition = "attachment; filename=\"mail.mobileconfig\"";
        http.Response.Headers.CacheControl = "no-store";
        using var writer = new Utf8StringWriter();
        profile.Save(writer);
        return Results.Bytes(signer.Sign(Encoding.UTF8.GetBytes(writer.ToString())), AppleProfile.ContentType);
    }

    /// <summary>
    /// The user asking: the console's cookie (re-checked against the directory by the cookie
    /// handler), else HTTP Basic with the mail password through the shared <see cref="Authenticator"/>
    /// (its throttle and failure count), accepted only over HTTPS or from loopback unless
    /// <c>Web:RequireHttps</c> is off, since Basic sends the password as it is.
    /// </summary>
    private static async Task<UserRecord?> SignedInUserAsync(HttpContext http, WebOptions options, IDirectoryStore directory, Authenticator authenticator, CancellationToken cancellationToken)
    {
        var cookie = await http.AuthenticateAsync(WebRoles.CookieScheme).ConfigureAwait(false);
        if (cookie.Succeeded && cookie.Principal.UserKey() is { } key)
        {
            return await directory.GetUserAsync(key, cancellationToken).ConfigureAwait(false);
        }

        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var client = http.Connection.RemoteIpAddress ?? IPAddress.None;
        if (!HttpsRequirement.IsMet(http, options))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return null;
        }

        var result = await authenticator.AuthenticateAsync(decoded[..colon], decoded[(colon + 1)..], client, cancellationToken).ConfigureAwait(false);
        if (result.Outcome != AuthenticationOutcome.Succeeded || result.Session is null)
        {
            return null;
        }

        using var session = result.Session;
        return await directory.GetUserAsync(session.Context.UserKey, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The domain's stored (ASCII) name when it is one of ours, else null.</summary>
    private static async Task<string?> LocalDomainAsync(IDirectoryStore directory, string? domain, CancellationToken cancellationToken)
    {
        if (!DomainName.TryParse(domain, out var parsed, out _))
        {
            return null;
        }

        var domains = await directory.ListDomainsAsync(cancellationToken).ConfigureAwait(false);
        return domains.FirstOrDefault(d => string.Equals(d.Name, parsed.Value, StringComparison.OrdinalIgnoreCase))?.Name;
    }

    /// <summary>The request body, or null when it is longer than <paramref name="limit"/> (read no further).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static IResult Xml(XDocument document, string contentType)
    {
        using var writer = new Utf8StringWriter();
        document.Save(writer);
        return Results.Text(writer.ToString(), contentType + "; charset=utf-8", Encoding.UTF8);
    }

    private sealed class Utf8StringWriter : StringWriter
    {
        public Utf8StringWriter()
            : base(System.Globalization.CultureInfo.InvariantCulture)
        {
        }

        public override Encoding Encoding => Encoding.UTF8;
    }
}
