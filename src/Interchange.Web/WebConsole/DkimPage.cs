using Interchange.MailAuth.Dkim;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.WebConsole;

/// <summary>The DKIM records to publish (RFC 6376 3.6.1): each key's owner name and TXT value, from the public part only.</summary>
public static class DkimPage
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/dkim", (HttpContext http, DkimKeyStore keys) =>
        {
            var view = new ConsoleView(http);
            IReadOnlyList<DkimKeyInfo> list;
            string? error = null;
            try
            {
                list = keys.List();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                list = [];
                error = "The DKIM key store cannot be read: " + ex.Message;
            }

            var items = list.OrderBy(k => k.Domain, StringComparer.Ordinal).ThenByDescending(k => k.Created).Select(k => HtmlFragment.Of($"""
                <section aria-label="{k.Record.Name}">
                <h2>{k.Domain}: selector {k.Selector}{(k.Active ? " (signing)" : " (not signing)")}</h2>
                <p>{k.Algorithm} {k.Bits} bits, made {ConsoleUi.When(k.Created)}. Publish as TXT at <code>{k.Record.Name}</code>:</p>
                <pre class="record">{k.Record.ZoneLine}</pre>
                </section>
                """));
            var body = list.Count == 0
                ? HtmlFragment.Of($"<p class=\"muted\">No DKIM keys. Make one with <code>interchange dkim generate DOMAIN</code>.</p>")
                : HtmlFragment.Join(items);
            return view.Page("DKIM records", body, error: error);
        });
    }
}
