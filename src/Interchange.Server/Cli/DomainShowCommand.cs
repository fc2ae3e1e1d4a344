using System.CommandLine;
using Interchange.Core.Addressing;
using Interchange.MailAuth.Dkim;
using Interchange.Server.Configuration;
using Interchange.Server.Hosting;
using Interchange.Web.Autoconfig;

namespace Interchange.Server.Cli;

/// <summary>
/// <c>interchange domain show DOMAIN</c>: the DNS records to publish for a local domain (MX, the
/// RFC 6186/8314 SRV records of the configured listeners, autoconfig and autodiscover names, SPF
/// and DMARC suggestions, DKIM keys), built by <see cref="PublishedRecords"/> from the listeners
/// as configured (<c>Listen</c>) and the host name clients use (<c>Web:PublicHostName</c>, else
/// the SMTP host name, else the primary domain).
/// </summary>
internal static class DomainShowCommand
{
    public static Command Build(Option<string?> data)
    {
        var name = new Argument<string>("domain") { Description = "A local domain" };
        var show = new Command("show", "Print the DNS records to publish for a local domain (MX, SRV for mail clients, autoconfig, SPF, DMARC, DKIM).") { name };
        show.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            if (!DomainName.TryParse(r.GetValue(name), out var domain, out var error))
            {
                throw new ArgumentException($"'{r.GetValue(name)}': {error}");
            }

            if (!await s.DirectoryStore.DomainExistsAsync(domain.Value, ct).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"{domain.Value} is not a local domain (see 'interchange domain list')");
            }

            var primary = await FirstRunSetup.ResolvePrimaryDomainAsync(s, s.Options.PrimaryDomain, ct).ConfigureAwait(false);
            var host = s.Options.Web.PublicHostName?.Trim() ?? s.Options.Smtp.HostName ?? primary;
            var listeners = ListenerPlan.Build(s.Options.Listen, []);
            var services = ClientServices.From(host, listeners.Select(l => (l.Protocol.Name(), l.Requested.Port)));
            var https = listeners.FirstOrDefault(l => l.Protocol == MailProtocol.Https)?.Requested.Port;
            var keys = DkimKeyStore.InDataFolder(DataFolder.Resolve(r.GetValue(data)).Root).List(domain.Value);
            var records = PublishedRecords.For(domain.Value, s.Options.Smtp.HostName ?? host, services, https, keys.Where(k => k.Active).Select(k => k.Record.ZoneLine));

            Console.WriteLine($"; DNS records for {domain.Value} (clients connect to {host})");
            foreach (var record in records)
            {
                Console.WriteLine($"; {record.Purpose}");
                Console.WriteLine(record.ZoneLine);
            }
        }, ct));
        return show;
    }
}
