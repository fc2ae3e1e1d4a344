using System.CommandLine;
using System.Globalization;
using Interchange.Core.Addressing;
using Interchange.Directory.Resolution;
using Interchange.Server.Hosting;
using Interchange.Storage.Accounts;
using Interchange.Storage.Routing;
using Interchange.Transport.Connectors;
using Interchange.Transport.Routing;

namespace Interchange.Server.Cli;

/// <summary>
/// The routing table: <c>route add|list|remove|test</c>. Changes go to the store (one
/// transaction each, announced to a running server, which reads the table again within
/// <c>Transport:RoutePollInterval</c>); <c>route test</c> says what would happen to a recipient,
/// as <c>postmap -q</c> and <c>sendmail -bv</c> do. Exit codes as the other admin commands:
/// 0 done, 1 refused, 2 malformed input.
/// </summary>
public static class RouteCommands
{
    public static IEnumerable<Command> Build(Option<string?> data)
    {
        yield return new Command("route", "Manage the routing table (where mail for other domains goes).") { Add(data), List(data), Remove(data), Test(data) };
    }

    private static Command Add(Option<string?> data)
    {
        var space = new Argument<string>("address-space") { Description = "example.com, *.example.com (its subdomains, not itself) or * (every domain)" };
        var connector = new Argument<string>("connector") { Description = "The connector: smtp, or a gateway connector's name" };
        var cost = new Option<int>("--cost") { Description = "Preference among routes of the same address space: lower wins (default 1)", DefaultValueFactory = _ => 1 };
        var smartHost = new Option<string?>("--smarthost") { Description = "smtp only: relay through host:port or [ip]:port instead of the domain's MX" };
        var tls = new Option<string?>("--tls") { Description = "smtp only: opportunistic (default) or required" };
        var gateway = new Option<string?>("--gateway") { Description = "Gateway connectors only: the foreign system's name" };
        var add = new Command("add", "Add a route: mail for the address space goes to the connector.") { space, connector, cost, smartHost, tls, gateway };
        add.SetAction(async (r, ct) =>
        {
            if (!TryParse(() => RouteEntry.Create(r.GetValue(space)!, r.GetValue(connector)!, r.GetValue(cost), r.GetValue(smartHost), r.GetValue(tls), r.GetValue(gateway), RouteSource.Store), out var route))
            {
                return ExitCodes.Usage;
            }

            return await AdminCommands.Run(r, data, async (s, _) =>
            {
                await s.Backend.Routes.AddAsync(route.ToRecord(), ct).ConfigureAwait(false);
                Console.WriteLine($"added route {route.AddressSpace} -> {route.Describe()}, cost {route.Cost.ToString(CultureInfo.InvariantCulture)}");
            }, ct).ConfigureAwait(false);
        });
        return add;
    }

    private static Command List(Option<string?> data)
    {
        var list = new Command("list", "List the routes, most specific first, then cheapest (a table on a terminal, one tab-separated line per route otherwise).");
        list.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var table = await LoadAsync(s, ct).ConfigureAwait(false);
            var rows = table.Current.Routes.Select(e => new[]
            {
                e.AddressSpace.Value,
                e.Connector,
                e.Cost.ToString(CultureInfo.InvariantCulture),
                e.Connector == RoutingTable.SmtpConnector ? e.SmartHost?.ToString() ?? "MX" : e.Gateway ?? "-",
                e.Connector == RoutingTable.SmtpConnector ? RouteEntry.TlsName(e.Tls) : "-",
                e.Source == RouteSource.Store ? "store" : "config",
            });
            if (Console.IsOutputRedirected)
            {
                // For scripts: no header, no padding, one route per line.
                foreach (var row in rows)
                {
                    Console.WriteLine(string.Join('\t', row));
                }
            }
            else
            {
                AdminCommands.Table(["ADDRESS SPACE", "CONNECTOR", "COST", "VIA", "TLS", "SOURCE"], rows);
                Console.WriteLine("Everything else: smtp by MX, TLS opportunistic; local domains: local.");
            }
        }, ct));
        return list;
    }

    private static Command Remove(Option<string?> data)
    {
        var space = new Argument<string>("address-space") { Description = "The route's address space" };
        var connector = new Argument<string?>("connector") { Description = "Remove only the routes to this connector", Arity = ArgumentArity.ZeroOrOne };
        var remove = new Command("remove", "Remove the stored routes of an address space (routes from configuration are changed in the configuration file).") { space, connector };
        remove.SetAction(async (r, ct) =>
        {
            if (!TryParse(() => AddressSpace.Parse(r.GetValue(space)!), out var parsed))
            {
                return ExitCodes.Usage;
            }

            var name = r.GetValue(connector)?.Trim().ToLowerInvariant();
            return await AdminCommands.Run(r, data, async (s, _) =>
            {
                int removed;
                try
                {
                    removed = await s.Backend.Routes.RemoveAsync(parsed.Value, name, ct).ConfigureAwait(false);
                }
                catch (RouteStoreException ex) when (ex.Error == RouteStoreError.NotFound
                    && s.Options.Transport.Routes.Any(c => AddressSpace.TryParse(c.AddressSpace, out var space, out var unused) && space == parsed && (name is null || string.Equals(c.Connector, name, StringComparison.OrdinalIgnoreCase))))
                {
                    throw new RouteStoreException(RouteStoreError.NotFound, $"{ex.Message}: the route for {parsed} comes from the configuration (Transport:Routes); change it there");
                }

                Console.WriteLine($"removed {removed.ToString(CultureInfo.InvariantCulture)} route(s) for {parsed}{(name is null ? string.Empty : " -> " + name)}");
            }, ct).ConfigureAwait(false);
        });
        return remove;
    }

    private static Command Test(Option<string?> data)
    {
        var address = new Argument<string>("address") { Description = "A recipient address" };
        var test = new Command("test", "Show what would happen to mail for a recipient: its expansion by the directory, then each destination's connector and route.") { address };
        test.SetAction(async (r, ct) =>
        {
            if (!EmailAddress.TryParse(r.GetValue(address), out var recipient, out var error))
            {
                await Console.Error.WriteLineAsync($"interchange: {error}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await AdminCommands.Run(r, data, async (s, _) =>
            {
                var primary = await FirstRunSetup.ResolvePrimaryDomainAsync(s, s.Options.PrimaryDomain, ct).ConfigureAwait(false);
                var destinations = await new RecipientResolver(s.DirectoryStore, primary).ResolveAsync(recipient, ct).ConfigureAwait(false);
                if (destinations.Count == 0)
                {
                    throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"{recipient}: no such user, alias or group in local domain {recipient.Domain}, and no catch-all: refused at RCPT (550 5.1.1)");
                }

                var table = await LoadAsync(s, ct).ConfigureAwait(false);
                var entry = await s.DirectoryStore.FindAsync(recipient.Key, ct).ConfigureAwait(false);
                var what = entry?.Kind switch
                {
                    AddressKind.User => "local user",
                    AddressKind.Alias => "alias",
                    AddressKind.Group => "group",
                    _ => destinations is [{ IsLocal: false }] ? "remote address" : "catch-all or postmaster",
                };
                Console.WriteLine(destinations is [var only] && only.Key == recipient.Key
                    ? $"{recipient}: {what}"
                    : $"{recipient}: {what}, {destinations.Count.ToString(CultureInfo.InvariantCulture)} destination(s)");
                foreach (var destination in destinations)
                {
                    var how = destination.IsLocal
                        ? $"connector {LocalConnector.ConnectorName} (mailbox of {destination.Address})"
                        : table.Select(RoutingTable.DomainOf(destination.Address)).Describe();
                    Console.WriteLine($"  {destination.Address} -> {how}");
                }
            }, ct).ConfigureAwait(false);
        });
        return test;
    }

    /// <summary>The table a server with this configuration and store would use now (connectors all up).</summary>
    private static async Task<RoutingTable> LoadAsync(StoreServices store, CancellationToken cancellationToken)
    {
        var table = new RoutingTable();
        await new RouteWatcher(store.Backend.Routes, table, ConfiguredRoute.ToEntries(store.Options.Transport.Routes)).RefreshAsync(cancellationToken).ConfigureAwait(false);
        return table;
    }

    private static bool TryParse<T>(Func<T> parse, out T value)
    {
        try
        {
            value = parse();
            return true;
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"interchange: {ex.Message}");
            value = default!;
            return false;
        }
    }
}
