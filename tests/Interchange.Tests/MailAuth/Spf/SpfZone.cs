using System.Net;
using Interchange.MailAuth.Spf;
using Interchange.Tests.Transport.Dns;
using Interchange.Transport.Dns;

namespace Interchange.Tests.MailAuth.Spf;

/// <summary>Fills a <see cref="FakeDnsResolver"/> with SPF-shaped data and runs checks against it.</summary>
internal static class SpfZone
{
    public static FakeDnsResolver Txt(this FakeDnsResolver dns, string name, params string[] records) =>
        dns.Answer(name, "TXT", DnsLookup<string>.Found(records));

    public static FakeDnsResolver Ptr(this FakeDnsResolver dns, string address, params string[] names) =>
        dns.Answer(IPAddress.Parse(address).GetArpaName(), "PTR", DnsLookup<string>.Found(names));

    public static Task<SpfOutcome> CheckAsync(this FakeDnsResolver dns, string ip, string domain, SpfOptions? options = null, string sender = "strong-bad@email.example.com", string helo = "mx.example.org") =>
        new SpfEvaluator(dns, options ?? new SpfOptions()).CheckHostAsync(IPAddress.Parse(ip), domain, sender, helo, CancellationToken.None);
}
