using System.Globalization;

namespace Interchange.Web.Autoconfig;

/// <summary>
/// The DNS records to publish for a local domain, as zone-file lines: MX; the RFC 6186 / RFC 8314
/// SRV records that let clients find IMAP, POP3 and submission; the autoconfig and autodiscover
/// host names; SPF and DMARC suggestions; and the DKIM TXT records of active keys. Shared by
/// <c>interchange domain show</c>, the API and the console.
/// </summary>
public static class PublishedRecords
{
    /// <summary>
    /// SRV service names with the listener behind each and the priority: implicit TLS before
    /// STARTTLS (RFC 8314 section 5.1) and IMAP before POP3 (RFC 6186 section 3.4: the priority
    /// field orders the two access protocols).
    /// </summary>
    private static readonly (string Service, string Listener, int Priority)[] Services =
    [
        ("_submissions._tcp", "submissions", 0),
        ("_submission._tcp", "submission", 10),
        ("_imaps._tcp", "imaps", 0),
        ("_imap._tcp", "imap", 10),
        ("_pop3s._tcp", "pop3s", 20),
        ("_pop3._tcp", "pop3", 30),
    ];

    /// <param name="domain">The local domain (ASCII form).</param>
    /// <param name="mailHost">The host receiving mail for the domain (the MX target: the server's SMTP name).</param>
    /// <param name="services">What clients are offered (<see cref="ClientServices.From(string, IEnumerable{ValueTuple{string, int}})"/>).</param>
    /// <param name="webPort">The HTTPS port for autoconfig and Autodiscover, or null when there is no https listener.</param>
    /// <param name="dkimRecords">The zone lines of the domain's active DKIM keys.</param>
    public static IReadOnlyList<PublishedRecord> For(string domain, string mailHost, ClientServices services, int? webPort, IEnumerable<string> dkimRecords)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(dkimRecords);
        var records = new List<PublishedRecord>
        {
            new("MX", $"{domain}. 3600 IN MX 10 {mailHost}.", "where other servers deliver mail for the domain (RFC 5321 section 5.1)"),
        };

        foreach (var (service, listener, priority) in Services)
        {
            var endpoint = services.ForListener(listener);
            records.Add(endpoint is null
                // RFC 6186 section 4 with RFC 2782: a target of "." says the service is decidedly not offered.
                ? new PublishedRecord("SRV", $"{service}.{domain}. 3600 IN SRV 0 0 0 .", $"{listener} is not offered")
                : new PublishedRecord("SRV", $"{service}.{domain}. 3600 IN SRV {priority.ToString(CultureInfo.InvariantCulture)} 1 {endpoint.Port.ToString(CultureInfo.InvariantCulture)} {services.Host}.", $"{listener} ({endpoint.SocketType}) for mail clients (RFC 6186, RFC 8314)"));
        }

        if (webPort is { } port)
        {
            records.Add(new("CNAME", $"autoconfig.{domain}. 3600 IN CNAME {services.Host}.", "Thunderbird autoconfig (https://autoconfig.DOMAIN/mail/config-v1.1.xml)"));
            records.Add(new("CNAME", $"autodiscover.{domain}. 3600 IN CNAME {services.Host}.", "Outlook Autodiscover (https://autodiscover.DOMAIN/autodiscover/autodiscover.xml)"));
            records.Add(new("SRV", $"_autodiscover._tcp.{domain}. 3600 IN SRV 0 0 {port.ToString(CultureInfo.InvariantCulture)} {services.Host}.", "Outlook's Autodiscover SRV lookup"));
        }

        records.Add(new("TXT", $"{domain}. 3600 IN TXT \"v=spf1 mx -all\"", "SPF suggestion: only the MX hosts send for the domain (RFC 7208); add other senders before publishing"));
        records.Add(new("TXT", $"_dmarc.{domain}. 3600 IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@{domain}\"", "DMARC suggestion (RFC 7489); start with p=none to watch reports first"));
        foreach (var line in dkimRecords)
        {
            records.Add(new("TXT", line, "DKIM public key of an active signing key (RFC 6376 section 3.6.1)"));
        }

        return records;
    }
}
