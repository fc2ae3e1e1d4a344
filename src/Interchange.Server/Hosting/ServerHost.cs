using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Interchange.Core.Net;
using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;
using Interchange.Directory.Passwords;
using Interchange.Directory.Security;
using Interchange.Server.Configuration;
using Interchange.Directory.Resolution;
using Interchange.Imap;
using Interchange.MailAuth;
using Interchange.MailAuth.Dmarc;
using Interchange.MailAuth.Spf;
using Interchange.Pop3;
using Interchange.Smtp;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Delivery;
using Interchange.Smtp.Delivery.Security;
using Interchange.Smtp.Session;
using Interchange.Storage.Accounts;
using Interchange.Storage.Content;
using Interchange.Transport;
using Interchange.Transport.Bounces;
using Interchange.Transport.Connectors;
using Interchange.Transport.Dns;
using Interchange.Transport.Gateway;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Interchange.Server.Hosting;

/// <summary>
/// <c>interchange serve</c>: opens (or creates) the data folder, binds every listener, prints
/// where it listens, and runs until SIGTERM/SIGINT, then stops within the configured bound.
/// Standard output carries only the lines meant for scripts (listeners, the first-run
/// password); logs go to standard error.
/// </summary>
public static class ServerHost
{
    public static async Task<int> RunAsync(ServeArguments arguments, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();

        // fsync blocks the thread that calls it; a mail server does that for every message. Start
        // with enough pool threads that a burst of sessions does not wait for the pool to grow.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, (Environment.ProcessorCount * 8) + 16), io);

        var folder = DataFolder.Resolve(arguments.Data);
        InterchangeOptions options;
        IConfigurationRoot configuration;
        IReadOnlyList<ListenerBinding> listeners;
        try
        {
            configuration = LoadConfiguration(folder, arguments.Config);
            options = new InterchangeOptions();
            configuration.Bind(options);
            if (options.Validate() is { Count: > 0 } problems)
            {
                throw new ConfigurationException(string.Join("; ", problems));
            }

            if (GatewayConfiguration.Prepare(options.Transport.Gateways, folder.Root) is { Count: > 0 } gatewayProblems)
            {
                throw new ConfigurationException(string.Join("; ", gatewayProblems));
            }

            // MTA-STS policies are kept under the data folder unless the path given is absolute.
            var mtaSts = options.Transport.Smtp.MtaSts;
            if (mtaSts.CacheFolder.Length > 0 && !Path.IsPathRooted(mtaSts.CacheFolder))
            {
                mtaSts.CacheFolder = Path.Combine(folder.Root, mtaSts.CacheFolder);
            }

            listeners = ListenerPlan.Build(options.Listen, arguments.Listen);
        }
        catch (Exception ex) when (ex is ConfigurationException or InvalidOperationException or FormatException or IOException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync($"interchange: configuration: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        ConfigureLogging(builder.Logging, builder.Services);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);

        using var bootstrapLoggerFactory = LoggerFactory.Create(l => ConfigureLogging(l, null));
        var logger = bootstrapLoggerFactory.CreateLogger("Interchange.Server");
        foreach (var unknown in UnknownConfigurationKeys.Find(configuration, typeof(InterchangeOptions)))
        {
            logger.LogWarning("Configuration: {Problem}", unknown);
        }

        // One server per data folder: a second one would take over the first's queue claims.
        using var serverLock = folder.TryLockServer();
        if (serverLock is null)
        {
            await Console.Error.WriteLineAsync($"interchange: another interchange serve is running on {folder.Root}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        StoreServices store;
        try
        {
            store = await StoreServices.OpenAsync(folder, options, logger, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or Interchange.Storage.StoreException)
        {
            await Console.Error.WriteLineAsync($"interchange: cannot open the store in {folder.Root}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        try
        {
            var firstRun = await FirstRunSetup.RunAsync(store, options.PrimaryDomain, cancellationToken).ConfigureAwait(false);
            var domains = await store.DirectoryStore.ListDomainsAsync(cancellationToken).ConfigureAwait(false);
            var hostName = firstRun?.Domain ?? await FirstRunSetup.ResolvePrimaryDomainAsync(store, options.PrimaryDomain, cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(configuration["Transport:Smtp:HeloName"]))
            {
                options.Transport.Smtp.HeloName = hostName; // RFC 5321 4.1.1.1: our FQDN; the primary domain names this server
            }

            if (firstRun is not null)
            {
                Console.WriteLine($"created domain {firstRun.Domain} and user {firstRun.Postmaster}");
                Console.WriteLine($"password for {firstRun.Postmaster}: {firstRun.Password}");
                Console.WriteLine($"  (shown once; change it with: interchange user passwd {firstRun.Postmaster} --password-stdin)");
                if (string.IsNullOrWhiteSpace(options.PrimaryDomain))
                {
                    // The host name is a guess (often a single label such as "vm"); say so while it is cheap to redo.
                    logger.LogWarning(
                        "PrimaryDomain is not configured, so the primary domain is this host's name, {Domain}. To use another, stop now, remove {Data} and start again with INTERCHANGE__PrimaryDomain=mail.example.com (or \"PrimaryDomain\" in {Config})",
                        firstRun.Domain,
                        folder.Root,
                        folder.ConfigFile);
                }
            }

            X509Certificate2 certificate;
            try
            {
                certificate = TlsCertificates.LoadOrCreate(folder, options.Tls, hostName, out var createdCertificate);
                if (createdCertificate)
                {
                    logger.LogInformation("Created a self-signed TLS certificate for {Host} in {Path}", hostName, folder.TlsPath);
                }
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"interchange: TLS certificate: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            using (certificate)
            {
                RegisterServices(builder.Services, store, options, certificate, hostName, folder);
                builder.WebHost.ConfigureKestrel(kestrel => ConfigureListeners(kestrel, listeners, certificate, hostName));
                await using var app = builder.Build();
                Interchange.Web.InterchangeWeb.Map(app);

                if (ListenerPreflight.Check(listeners) is { } preflightFailure)
                {
                    await Console.Error.WriteLineAsync($"interchange: {preflightFailure}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                long stopping = 0;
                app.Lifetime.ApplicationStopping.Register(() => stopping = Stopwatch.GetTimestamp());
                try
                {
                    await app.StartAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (DescribeBindFailure(ex, listeners) is { } failure)
                {
                    await Console.Error.WriteLineAsync($"interchange: {failure}").ConfigureAwait(false);
                    return ExitCodes.Failure;
                }

                // The file first, then the lines: whoever reads a line can read the file.
                var bound = listeners.SelectMany(l => l.Bound.Select(e => (l.Protocol, Endpoint: e))).ToList();
                app.Services.GetRequiredService<Interchange.Web.ServerInfo>().MarkBound(
                    bound.Select(b => new Interchange.Web.ListenerInfo(b.Protocol.Name(), b.Endpoint, b.Protocol.IsImplicitTls())).ToList());
                EndpointsFile.Write(folder.EndpointsFile, new EndpointsFile.Content(
                    Environment.ProcessId,
                    DateTimeOffset.UtcNow,
                    bound.Select(b => new EndpointsFile.Listener(b.Protocol.Name(), b.Endpoint.Address.ToString(), b.Endpoint.Port)).ToList()));
                foreach (var (protocol, endpoint) in bound)
                {
                    Console.WriteLine($"listening {protocol.Name()} {endpoint}");
                }
                var appLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Interchange.Server");
                appLogger.LogInformation(
                    "Interchange started in {Milliseconds:F0} ms: data {Data}, {Domains} domain(s), {Listeners} listener(s)",
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                    folder.Root,
                    domains.Count,
                    bound.Count);

                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
                TryDelete(folder.EndpointsFile);
                appLogger.LogInformation("Interchange stopped in {Milliseconds:F0} ms", Stopwatch.GetElapsedTime(stopping).TotalMilliseconds);
            }
        }

        finally
        {
            // Rule 5: the stop is bounded. The writer finishes what is queued; if that takes longer
            // than a few seconds (a stuck disk, a lock held elsewhere), leave it: every commit is in
            // the WAL already, and nothing unacknowledged was promised.
            var closing = store.DisposeAsync().AsTask();
            if (await Task.WhenAny(closing, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false) != closing)
            {
                logger.LogWarning("The store did not close within 5 s; exiting anyway (SQLite recovers from its WAL at the next start)");
            }
        }

        return ExitCodes.Success;
    }

    public static IConfigurationRoot LoadConfiguration(DataFolder folder, string? configFile)
    {
        if (configFile is not null && !File.Exists(configFile))
        {
            throw new ConfigurationException($"the configuration file {configFile} does not exist");
        }

        return new ConfigurationBuilder()
            .AddJsonFile(Path.GetFullPath(configFile ?? folder.ConfigFile), optional: configFile is null, reloadOnChange: false)
            .AddEnvironmentVariables("INTERCHANGE__")
            .Build();
    }

    private static void ConfigureLogging(ILoggingBuilder logging, IServiceCollection? services)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        _ = services;
    }

    private static void RegisterServices(IServiceCollection services, StoreServices store, InterchangeOptions options, X509Certificate2 certificate, string hostName, DataFolder folder)
    {
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(store);
        services.AddSingleton(certificate);
        services.AddSingleton<IDirectoryStore>(store.DirectoryStore);
        if (store.DirectoryStore is IApiTokenStore tokens)
        {
            services.AddSingleton(tokens); // the admin API's tokens (Web/Security/ApiTokenHandler)
        }

        services.AddSingleton(store.Directory);
        services.AddSingleton(store.Backend);
        services.AddSingleton(store.Backend.Routes);
        services.AddSingleton(new Interchange.Web.ServerInfo(hostName));
        services.AddSingleton(DkimKeyStore.InDataFolder(folder.Root));
        Interchange.Web.InterchangeWeb.AddServices(services, options.Web);
        services.AddSingleton(store.Queue);
        services.AddSingleton(store.Mail);
        services.AddSingleton(store.Blobs);
        services.AddSingleton<PasswordHasher>(store.Hasher);
        services.AddSingleton<SecurityContextCache>();
        services.AddSingleton(sp => new LoginThrottle(options.LoginThrottle));
        LdapSyncService.AddServices(services, options.Directory.Ldap); // before the Authenticator, which takes its password verifier
        services.AddSingleton<Authenticator>();
        services.AddSingleton(store.Changes);
        services.AddSingleton<DirectoryChangeWatcher>();
        services.AddHostedService<DirectoryWatcherService>();
        services.AddHostedService(sp => new ContentCollectorService(
            store.Backend.CreateCollector(new ContentCollectionOptions { Grace = options.Storage.ReclaimGrace }),
            options.Storage,
            sp.GetRequiredService<ILogger<ContentCollectorService>>()));

        // One timer checks every session's deadlines and data rate (all protocols).
        services.AddSingleton(_ => new SessionHeartbeat());

        // Transport: wake-up hints for the categorizer, for delivery, and for the bounce step
        // (connectors pulse "failures" when they fail a recipient for good).
        var newMessages = new QueueSignal(store.Changes, "new");
        var deliveries = new QueueSignal(store.Changes, "deliveries");
        var failures = new QueueSignal(store.Changes, "failures");
        var node = string.IsNullOrWhiteSpace(options.Transport.NodeName) ? Environment.MachineName : options.Transport.NodeName.Trim();
        services.AddSingleton<TransportOptions>(options.Transport);
        services.AddSingleton(new RecipientResolver(store.DirectoryStore, hostName));
        services.AddSingleton(sp => new MessageAcceptor(store.Blobs, store.Queue, newMessages, inlineMessageSize: options.Storage.InlineMessageSize));
        // The routing table: one live instance, its snapshot swapped by the watcher; connectors
        // take it from here (RoutingTable.ForAttempt at each attempt, MarkDown/MarkUp).
        services.AddSingleton(new RoutingTable());
        services.AddSingleton(sp => new RouteWatcher(store.Backend.Routes, sp.GetRequiredService<RoutingTable>(), ConfiguredRoute.ToEntries(options.Transport.Routes), sp.GetRequiredService<ILogger<RouteWatcher>>(), store.Changes));
        services.AddHostedService<RouteWatcherService>();
        services.AddSingleton(sp => new Categorizer(store.Queue, sp.GetRequiredService<RecipientResolver>(), sp.GetRequiredService<RoutingTable>(), store.Contents, newMessages, deliveries, options.Transport, sp.GetRequiredService<ILogger<Categorizer>>()));
        services.AddSingleton<IDeliveryConnector>(sp => new LocalConnector(store.Queue, store.Mail, store.DirectoryStore, deliveries, options.Transport, sp.GetRequiredService<ILogger<LocalConnector>>(), failures: failures));
        // Mail out: one resolver (its TTL cache is shared), the SMTP connector with its
        // per-destination limits and connection cache (closed at shutdown by the container).
        services.AddSingleton<IDnsResolver>(_ => new DnsClientResolver(options.Transport.Dns));
        services.AddSingleton(sp => new MxResolver(sp.GetRequiredService<IDnsResolver>(), options.Transport.Mx));

        // SMTP filters, in the order they run: the built-in verification first, so milters see its
        // Authentication-Results (OpenDMARC can trust our authserv-id).
        services.AddSingleton(sp => new MessageAuthenticator(
            sp.GetRequiredService<IDnsResolver>(),
            new SpfEvaluator(sp.GetRequiredService<IDnsResolver>(), options.MailAuth.Spf),
            SuffixList(options.MailAuth.Dmarc.PublicSuffixListPath, sp.GetRequiredService<ILogger<MessageAuthenticator>>()),
            options.MailAuth));
        services.AddSingleton<ISmtpFilter>(sp => new AuthenticationFilter(
            sp.GetRequiredService<MessageAuthenticator>(),
            options.Smtp.Authentication,
            options.Smtp.IsRelayClient,
            sp.GetRequiredService<ILogger<AuthenticationFilter>>()));
        MilterFilters.Register(services, options.Smtp); // then the milters of Smtp:Milters, in order (docs/MILTER.md)
        if (options.Smtp.SpamThreshold is { } threshold && options.Smtp.Milters.Count > 0)
        {
            // Last: reads the scores the milters above added.
            services.AddSingleton<ISmtpFilter>(sp => new SpamThresholdFilter(threshold, sp.GetRequiredService<ILogger<SpamThresholdFilter>>()));
        }

        // MTA-STS and DANE for delivery by MX (docs/TLS-POLICY.md); policies cached under the data folder.
        services.AddSingleton(sp => OutboundSecurity.Create(sp.GetRequiredService<IDnsResolver>(), options.Transport.Smtp, dataFolder: null, sp.GetRequiredService<ILoggerFactory>()));
        // DKIM and ARC (docs/DKIM.md): keys from DATA/dkim, looked at again every Dkim:ReloadInterval.
        services.AddSingleton(sp => new OutboundSigner(
            new DkimKeyring(sp.GetRequiredService<DkimKeyStore>(), options.Dkim.ReloadInterval, sp.GetRequiredService<ILogger<DkimKeyring>>()),
            options.Dkim, options.Arc, hostName, options.Smtp.Authentication.AuthservId ?? options.Smtp.HostName ?? hostName, sp.GetRequiredService<MessageAuthenticator>().KeyLocator, sp.GetRequiredService<ILogger<OutboundSigner>>()));
        services.AddSingleton(sp => new SmtpConnector(
            store.Queue, store.Contents, sp.GetRequiredService<MxResolver>(), sp.GetRequiredService<RoutingTable>(), deliveries, failures,
            options.Transport, options.Transport.Smtp, node, sp.GetRequiredService<ILogger<SmtpConnector>>(), security: sp.GetRequiredService<OutboundSecurity>(), signer: sp.GetRequiredService<OutboundSigner>()));
        services.AddSingleton<IDeliveryConnector>(sp => sp.GetRequiredService<SmtpConnector>());
        // Gateways to foreign systems (docs/GATEWAY.md): a connector per drop folder, named as its
        // gateway; one service runs the pickups. Folders were made absolute and created at start.
        foreach (var gateway in options.Transport.Gateways.Where(g => g.DropFolder.Length > 0))
        {
            services.AddSingleton<IDeliveryConnector>(sp => new GatewayConnector(
                gateway, store.Queue, store.Contents, sp.GetRequiredService<RoutingTable>(), deliveries, failures,
                options.Transport, node, sp.GetRequiredService<ILogger<GatewayConnector>>()));
        }

        if (options.Transport.Gateways.Any(g => g.PickupFolder.Length > 0))
        {
            services.AddHostedService(sp => new GatewayPickupService(options.Transport.Gateways
                .Where(g => g.PickupFolder.Length > 0)
                .Select(g => new GatewayPickup(g, sp.GetRequiredService<MessageAcceptor>(), store.Queue, hostName, sp.GetRequiredService<ILogger<GatewayPickup>>()))
                .ToList()));
        }

        // The bounce step: failed recipients become one DSN per message (Transport/Bounces).
        services.AddSingleton(sp => new BounceGenerator(store.Queue, store.Contents, new DsnBuilder(hostName, options.Transport), failures, newMessages, options.Transport, sp.GetRequiredService<ILogger<BounceGenerator>>()));
        services.AddHostedService(sp => new BounceService(sp.GetRequiredService<BounceGenerator>(), failures));
        services.AddHostedService(sp => new TransportService(
            sp.GetRequiredService<Categorizer>(), sp.GetServices<IDeliveryConnector>(), newMessages, deliveries, options.Transport,
            store.Queue, node, sp.GetRequiredService<ILogger<TransportService>>()));

        services.AddSingleton(sp => new Pop3Server(
            options.Pop3,
            hostName,
            sp.GetRequiredService<Authenticator>(),
            store.Mail,
            store.Contents,
            certificate,
            sp.GetRequiredService<SessionHeartbeat>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<Pop3Server>>()));
        services.AddSingleton(sp => new ImapServer(
            options.Imap,
            hostName,
            sp.GetRequiredService<Authenticator>(),
            store.Mail,
            store.Blobs,
            store.Contents,
            store.Events,
            certificate,
            sp.GetRequiredService<SessionHeartbeat>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<ImapServer>>(),
            options.Storage.InlineMessageSize));
        services.AddSingleton(sp => new RecipientPolicy(store.DirectoryStore, sp.GetRequiredService<RecipientResolver>(), hostName));
        services.AddSingleton(sp => new SmtpServer(
            options.Smtp,
            hostName,
            sp.GetRequiredService<MessageAcceptor>(),
            sp.GetRequiredService<Authenticator>(),
            sp.GetRequiredService<RecipientPolicy>(),
            certificate,
            sp.GetRequiredService<SessionHeartbeat>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<SmtpServer>>(),
            sp.GetServices<ISmtpFilter>()));
    }

    /// <summary>The public suffix list for DMARC; without it (not a Debian machine, no <c>publicsuffix</c>) every
    /// domain's organisational domain is its last two labels (the list's implicit "*" rule), and the log says so.</summary>
    private static PublicSuffixList SuffixList(string path, ILogger logger)
    {
        if (File.Exists(path))
        {
            return PublicSuffixList.Load(path);
        }

        logger.LogWarning("DMARC: no public suffix list at {Path} (install Debian's publicsuffix, or set MailAuth:Dmarc:PublicSuffixListPath); organisational domains are taken as the last two labels", path);
        return PublicSuffixList.Parse([]);
    }

    private static void ConfigureListeners(KestrelServerOptions kestrel, IReadOnlyList<ListenerBinding> listeners, X509Certificate2 certificate, string hostName)
    {
        foreach (var listener in listeners)
        {
            void Configure(ListenOptions listenOptions)
            {
                listener.Options.Add(listenOptions);
                if (listener.Protocol.IsImplicitTls())
                {
                    listenOptions.UseHttps(certificate);
                }

                var protocol = listener.Protocol;
                if (protocol is MailProtocol.Smtp or MailProtocol.Submission or MailProtocol.Submissions)
                {
                    var smtp = kestrel.ApplicationServices.GetRequiredService<SmtpServer>();
                    var kind = protocol switch
                    {
                        MailProtocol.Smtp => ListenerKind.Smtp,
                        MailProtocol.Submission => ListenerKind.Submission,
                        _ => ListenerKind.Submissions,
                    };
                    listenOptions.Run(connection => smtp.HandleAsync(connection, kind, tls: protocol.IsImplicitTls()));
                }
                else if (protocol is MailProtocol.Pop3 or MailProtocol.Pop3s)
                {
                    var pop3 = kestrel.ApplicationServices.GetRequiredService<Pop3Server>();
                    listenOptions.Run(connection => pop3.HandleAsync(connection, tls: protocol.IsImplicitTls()));
                }
                else if (protocol is MailProtocol.Imap or MailProtocol.Imaps)
                {
                    var imap = kestrel.ApplicationServices.GetRequiredService<ImapServer>();
                    listenOptions.Run(connection => imap.HandleAsync(connection, tls: protocol.IsImplicitTls()));
                }
            }

            var endpoint = listener.Requested;
            if (endpoint.Localhost)
            {
                kestrel.Listen(IPAddress.Loopback, endpoint.Port, Configure);
                if (endpoint.Port != 0 && Socket.OSSupportsIPv6)
                {
                    kestrel.Listen(IPAddress.IPv6Loopback, endpoint.Port, Configure);
                }
            }
            else if (endpoint.Address is null)
            {
                kestrel.ListenAnyIP(endpoint.Port, Configure);
            }
            else
            {
                kestrel.Listen(endpoint.Address, endpoint.Port, Configure);
            }
        }
    }

    /// <summary>
    /// Kestrel reports a failed bind as an IOException naming the address; say which listener
    /// it was in one line, with the operating system's reason.
    /// </summary>
    private static string? DescribeBindFailure(Exception ex, IReadOnlyList<ListenerBinding> listeners)
    {
        if (ex is not (IOException or SocketException))
        {
            return null;
        }

        var reason = (ex.InnerException ?? ex).Message.TrimEnd('.');
        var message = ex.Message;
        foreach (var listener in listeners)
        {
            var port = ":" + listener.Requested.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (listener.Requested.Port != 0 && message.Contains(port, StringComparison.Ordinal))
            {
                return $"cannot listen for {listener.Protocol.Name()} on {listener.Requested}: {reason}";
            }
        }

        return $"cannot start the listeners: {reason}";
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A stale endpoints file is harmless: it names a pid that is gone.
        }
    }
}
