using Interchange.Directory.Ldap;
using Interchange.Directory.Security;
using Interchange.Storage;
using Interchange.Storage.Accounts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Interchange.Server.Hosting;

/// <summary>
/// Runs the LDAP sync (docs/LDAP.md) at start and then every <c>Directory:Ldap:SyncInterval</c>,
/// one at a time. A sync that fails (LDAP down, the store refusing) is logged and counted and the
/// next one tries again; a stop cancels the one running (each LDAP call is bounded by
/// <c>Directory:Ldap:Timeout</c>, and what was applied before is committed batch by batch).
/// </summary>
public sealed class LdapSyncService(LdapSync sync, LdapOptions options, ILogger<LdapSyncService> logger, TimeProvider? clock = null) : BackgroundService
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>Adds the LDAP client, bind authentication and the periodic sync when <c>Directory:Ldap:Url</c> is set.</summary>
    public static void AddServices(IServiceCollection services, LdapOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return;
        }

        services.AddSingleton(options);
        services.AddSingleton<ILdapDirectory>(sp => new LdapConnectionDirectory(options, sp.GetRequiredService<ILogger<LdapConnectionDirectory>>()));
        services.AddSingleton<IExternalPasswordVerifier>(sp => new LdapPasswordVerifier(options, sp.GetRequiredService<ILdapDirectory>(), sp.GetRequiredService<ILogger<LdapPasswordVerifier>>()));
        services.AddSingleton(sp => new LdapSync(options, sp.GetRequiredService<ILdapDirectory>(), sp.GetRequiredService<IDirectoryStore>(), sp.GetRequiredService<ILogger<LdapSync>>()));
        services.AddHostedService<LdapSyncService>();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("LDAP sync from {Servers} ({BaseDn}) every {Interval}", string.Join(", ", options.Servers()), options.BaseDn, options.SyncInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await sync.RunAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (LdapSyncBusyException)
            {
                logger.LogInformation("LDAP sync: the previous one is still running; skipped");
            }
            catch (LdapUnavailableException ex)
            {
                logger.LogWarning("LDAP sync failed, nothing changed; the next one in {Interval}: {Error}", options.SyncInterval, ex.Message);
            }
            catch (Exception ex) when (ex is StoreException or DirectoryStoreException or IOException or UnauthorizedAccessException or NotImplementedException)
            {
                logger.LogError(ex, "LDAP sync failed while applying changes; the next one in {Interval}", options.SyncInterval);
            }

            try
            {
                await Task.Delay(options.SyncInterval, _clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
