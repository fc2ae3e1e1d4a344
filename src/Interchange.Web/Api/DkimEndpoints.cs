using Interchange.MailAuth.Dkim;
using Interchange.Web.Api.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Interchange.Web.Api;

/// <summary><c>/api/v1/dkim/keys</c>: the signing keys' public parts and the TXT records to publish (RFC 6376 3.6.1); the private key never leaves the key store.</summary>
internal static class DkimEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var dkim = api.MapGroup("/dkim").WithTags("DKIM");
        dkim.MapGet("/keys", List).Produces<Page<DkimKeyView>>()
            .Describe("List the DKIM keys (optionally of one domain) with the DNS TXT record each needs.", 400);
    }

    private static IResult List(HttpContext http, DkimKeyStore keys, string? domain, int? limit, string? cursor)
    {
        IReadOnlyList<DkimKeyInfo> all;
        try
        {
            all = keys.List(string.IsNullOrWhiteSpace(domain) ? null : domain);
        }
        catch (DkimKeyStoreException ex)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, ex.Message);
        }

        return TypedResults.Ok(Paging.ByPosition(http, [.. all.Select(View)], limit, cursor));
    }

    private static DkimKeyView View(DkimKeyInfo k)
    {
        var record = k.Record;
        return new DkimKeyView(
            k.Domain,
            k.Selector,
            k.Algorithm == DkimKeyAlgorithm.Ed25519 ? "ed25519-sha256" : "rsa-sha256",
            k.Bits,
            k.Created,
            k.Active,
            k.PublicKey,
            new DnsRecordView(record.Name, "TXT", record.Value, record.Strings, record.ZoneLine));
    }
}
