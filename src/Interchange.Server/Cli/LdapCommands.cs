using System.CommandLine;
using Interchange.Directory.Ldap;
using Interchange.Server.Configuration;
using Interchange.Server.Hosting;
using Interchange.Storage.Accounts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Server.Cli;

/// <summary>
/// The LDAP link (docs/LDAP.md): <c>ldap test</c> binds as the service account and counts what the
/// sync would bring; <c>ldap sync</c> runs one sync now (with <c>--dry-run</c>, reports without
/// changing anything). A running server picks the changes up from the change log. Exit codes: 0
/// done, 1 LDAP or the store failed, 2 configuration missing or wrong.
/// </summary>
public static class LdapCommands
{
    public static IEnumerable<Command> Build(Option<string?> data)
    {
        yield return new Command("ldap", "Users and groups from an LDAP directory (Directory:Ldap in the configuration; docs/LDAP.md).")
        {
            Test(data), Sync(data),
        };
    }

    private static Command Test(Option<string?> data)
    {
        var test = new Command("test", "Bind to the directory as the service account and count the users, aliases and groups it would bring.");
        test.SetAction((r, ct) => RunAsync(r, data, needStore: false, async (options, _) =>
        {
            var snapshot = await new LdapDirectoryReader(options, new LdapConnectionDirectory(options)).ReadAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"bound to {string.Join(", ", options.Servers())} as {(string.IsNullOrEmpty(options.BindDn) ? "anonymous" : options.BindDn)}");
            Console.WriteLine($"users: {snapshot.Users.Count} ({snapshot.Users.Count(u => u.Disabled)} disabled)");
            Console.WriteLine($"aliases: {snapshot.Users.Sum(u => u.Aliases.Count)}");
            Console.WriteLine($"groups: {snapshot.Groups.Count}");
            PrintSkipped(snapshot.Skipped);
        }, ct));
        return test;
    }

    private static Command Sync(Option<string?> data)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Report what would change without changing anything" };
        var sync = new Command("sync", "Run one sync from LDAP now.") { dryRun };
        sync.SetAction((r, ct) => RunAsync(r, data, needStore: true, async (options, store) =>
        {
            var result = await new LdapSync(options, new LdapConnectionDirectory(options), store!.DirectoryStore).RunAsync(r.GetValue(dryRun), ct).ConfigureAwait(false);
            Console.WriteLine($"{(result.DryRun ? "dry run: " : "")}LDAP has {result.Users} users, {result.Aliases} aliases, {result.Groups} groups");
            Console.WriteLine($"{(result.DryRun ? "would have " : "")}created {result.Created}, changed {result.Changed}, removed {result.Removed}, failed {result.Failed} in {result.Duration.TotalSeconds:F1} s");
            PrintSkipped(result.Skipped);
            foreach (var failure in result.Failures)
            {
                Console.WriteLine($"failed: {failure}");
            }

            if (result.Failed > 0)
            {
                throw new LdapUnavailableException($"{result.Failed} change(s) failed");
            }
        }, ct));
        return sync;
    }

    private static void PrintSkipped(IReadOnlyList<string> skipped)
    {
        foreach (var line in skipped.Take(50))
        {
            Console.WriteLine($"skipped: {line}");
        }

        if (skipped.Count > 50)
        {
            Console.WriteLine($"skipped: … and {skipped.Count - 50} more");
        }
    }

    private static async Task<int> RunAsync(ParseResult result, Option<string?> data, bool needStore, Func<LdapOptions, StoreServices?, Task> action, CancellationToken cancellationToken)
    {
        var folder = DataFolder.Resolve(result.GetValue(data));
        try
        {
            var options = new InterchangeOptions();
            var configuration = ServerHost.LoadConfiguration(folder, AdminCommands.Config is null ? null : result.GetValue(AdminCommands.Config));
            configuration.Bind(options);
            if (!options.Directory.Ldap.Enabled)
            {
                throw new ConfigurationException("Directory:Ldap:Url is not set, so LDAP is off (docs/LDAP.md)");
            }

            if (options.Validate() is { Count: > 0 } problems)
            {
                throw new ConfigurationException(string.Join("; ", problems));
            }

            if (!needStore)
            {
                await action(options.Directory.Ldap, null).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            if (!folder.StoreExists)
            {
                await Console.Error.WriteLineAsync($"interchange: no Interchange store in {folder.Root} (start the server once with 'interchange serve', or pass --data)").ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            await using var store = await StoreServices.OpenAsync(folder, options, NullLogger.Instance, migrate: !folder.IsServerRunning(), cancellationToken).ConfigureAwait(false);
            await action(options.Directory.Ldap, store).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (ConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"interchange: configuration: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is LdapUnavailableException or LdapSyncBusyException or DirectoryStoreException or IOException or Interchange.Storage.StoreException or InvalidOperationException or NotImplementedException)
        {
            await Console.Error.WriteLineAsync($"interchange: ldap: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
