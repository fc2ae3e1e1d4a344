using System.CommandLine;
using System.Globalization;
using Interchange.Directory.Administration;
using Interchange.Server.Configuration;
using Interchange.Server.Hosting;
using Interchange.Storage.Accounts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Server.Cli;

/// <summary>
/// Directory administration: <c>domain</c>, <c>user</c>, <c>alias</c>, <c>group</c>. Each
/// command opens the data folder's store, makes one atomic change (logged in the change log a
/// running server follows), and exits 0, 1 (refused: unknown, duplicate, conflict) or 2
/// (malformed input).
/// </summary>
public static class AdminCommands
{
    /// <summary>The root's <c>--config</c> option: the CLI applies the same directory policy as the server.</summary>
    internal static Option<string?>? Config { get; set; }

    public static IEnumerable<Command> Build(Option<string?> data)
    {
        yield return DomainCommand(data);
        yield return UserCommand(data);
        yield return AliasCommand(data);
        yield return GroupCommand(data);
    }

    private static Command DomainCommand(Option<string?> data)
    {
        var force = new Option<bool>("--force") { Description = "Also remove the domain's users, aliases and groups" };

        var add = AddressCommand(data, "add", "Add a local domain.", "domain", "Domain name (IDN allowed)",
            async (s, domain, ct) => $"added domain {await s.Directory.AddDomainAsync(domain, ct).ConfigureAwait(false)}");

        var list = new Command("list", "List local domains.");
        list.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            var domains = await s.Directory.ListDomainsAsync(ct).ConfigureAwait(false);
            var primary = await FirstRunSetup.ResolvePrimaryDomainAsync(s, s.Options.PrimaryDomain, ct).ConfigureAwait(false);
            Table(["DOMAIN", "ADDRESSES", "CREATED"], domains.Select(d => new[]
            {
                d.Name == primary ? $"{d.Name} (primary)" : d.Name,
                d.AddressCount.ToString(CultureInfo.InvariantCulture),
                d.CreatedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            }));
        }, ct));

        var nameToRemove = new Argument<string>("domain") { Description = "Domain name" };
        var remove = new Command("remove", "Remove a local domain (refused while it has addresses, unless --force).") { nameToRemove, force };
        remove.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            await s.Directory.RemoveDomainAsync(r.GetValue(nameToRemove)!, r.GetValue(force), ct).ConfigureAwait(false);
            Console.WriteLine($"removed domain {r.GetValue(nameToRemove)}");
        }, ct));

        return new Command("domain", "Manage local domains.") { add, list, remove, DomainShowCommand.Build(data) };
    }

    private static Command UserCommand(Option<string?> data)
    {
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input (else one is generated and printed)" };
        var domainFilter = new Option<string?>("--domain") { Description = "Only this domain" };

        var addAddress = Address("address", "The user's address, local@domain");
        var add = new Command("add", "Add a user (a mailbox).") { addAddress, passwordStdin };
        add.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            var (password, generated) = await Password(r.GetValue(passwordStdin), ct).ConfigureAwait(false);
            var user = await s.Directory.AddUserAsync(r.GetValue(addAddress)!, password, ct).ConfigureAwait(false);
            Console.WriteLine($"added user {user}");
            PrintGenerated(user.Value, generated ? password : null);
        }, ct));

        var list = new Command("list", "List users.") { domainFilter };
        list.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            var users = await s.Directory.ListUsersAsync(r.GetValue(domainFilter), ct).ConfigureAwait(false);
            Table(["USER", "STATUS", "PASSWORD"], users.Select(u => new[] { u.Address, u.Disabled ? "disabled" : "enabled", u.PasswordHash is null ? "none" : "set" }));
        }, ct));

        var passwdAddress = Address("address", "The user's address");
        var passwd = new Command("passwd", "Set a user's password; the user's sessions end.") { passwdAddress, passwordStdin };
        passwd.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            var (password, generated) = await Password(r.GetValue(passwordStdin), ct).ConfigureAwait(false);
            await s.Directory.SetPasswordAsync(r.GetValue(passwdAddress)!, password, ct).ConfigureAwait(false);
            Console.WriteLine($"password changed for {r.GetValue(passwdAddress)}");
            PrintGenerated(r.GetValue(passwdAddress)!, generated ? password : null);
        }, ct));

        var disable = AddressCommand(data, "disable", "Refuse the user's logins and end its sessions (mail is still accepted).", "address", "The user's address",
            async (s, address, ct) => { await s.Directory.SetDisabledAsync(address, true, ct).ConfigureAwait(false); return $"disabled {address}"; });
        var enable = AddressCommand(data, "enable", "Allow a disabled user to log in again.", "address", "The user's address",
            async (s, address, ct) => { await s.Directory.SetDisabledAsync(address, false, ct).ConfigureAwait(false); return $"enabled {address}"; });
        var remove = AddressCommand(data, "remove", "Remove a user, its group memberships and the aliases naming only it.", "address", "The user's address",
            async (s, address, ct) => { await s.Directory.RemoveUserAsync(address, ct).ConfigureAwait(false); return $"removed user {address}"; });

        var roleAddress = Address("address", "The user's address");
        var roleName = new Argument<string>("role") { Description = "admin (manages the server: admin API, console) or user" };
        roleName.AcceptOnlyFromAmong("admin", "user");
        var role = new Command("role", "Give a user a role; its sessions and sign-ins end, and its API tokens act with the new role at once.") { roleAddress, roleName };
        role.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            var given = r.GetValue(roleName) == "admin" ? UserRole.Admin : UserRole.User;
            await s.Directory.SetRoleAsync(r.GetValue(roleAddress)!, given, ct).ConfigureAwait(false);
            Console.WriteLine($"{r.GetValue(roleAddress)} is now {(given == UserRole.Admin ? "an administrator" : "a user")}");
        }, ct));

        return new Command("user", "Manage users.") { add, list, passwd, disable, enable, remove, role };
    }

    private static Command AliasCommand(Option<string?> data)
    {
        var domainFilter = new Option<string?>("--domain") { Description = "Only this domain" };
        var alias = Address("alias", "The alias address, or @domain for the domain's catch-all");
        var target = Address("target", "Where its mail goes: a local user, alias or group, or a remote address");
        var add = new Command("add", "Point an alias at a target (repeat for several targets).") { alias, target };
        add.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            await s.Directory.AddAliasAsync(r.GetValue(alias)!, r.GetValue(target)!, ct).ConfigureAwait(false);
            Console.WriteLine($"alias {r.GetValue(alias)} -> {r.GetValue(target)}");
        }, ct));

        var list = new Command("list", "List aliases and their targets.") { domainFilter };
        list.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            var aliases = await s.Directory.ListAliasesAsync(r.GetValue(domainFilter), ct).ConfigureAwait(false);
            Table(["ALIAS", "TARGETS"], aliases.Select(a => new[] { a.Address, string.Join(", ", a.Targets) }));
        }, ct));

        var removeAlias = Address("alias", "The alias address or @domain");
        var removeTarget = new Argument<string?>("target") { Description = "Remove only this target", Arity = ArgumentArity.ZeroOrOne };
        var remove = new Command("remove", "Remove an alias, or one of its targets.") { removeAlias, removeTarget };
        remove.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            await s.Directory.RemoveAliasAsync(r.GetValue(removeAlias)!, r.GetValue(removeTarget), ct).ConfigureAwait(false);
            Console.WriteLine($"removed alias {r.GetValue(removeAlias)}{(r.GetValue(removeTarget) is { } t ? " -> " + t : string.Empty)}");
        }, ct));

        return new Command("alias", "Manage aliases and catch-alls.") { add, list, remove };
    }

    private static Command GroupCommand(Option<string?> data)
    {
        var domainFilter = new Option<string?>("--domain") { Description = "Only this domain" };
        var add = AddressCommand(data, "add", "Add a group (a distribution list).", "address", "The group's address",
            async (s, address, ct) => $"added group {await s.Directory.AddGroupAsync(address, ct).ConfigureAwait(false)}");
        var remove = AddressCommand(data, "remove", "Remove a group.", "address", "The group's address",
            async (s, address, ct) => { await s.Directory.RemoveGroupAsync(address, ct).ConfigureAwait(false); return $"removed group {address}"; });

        var list = new Command("list", "List groups and their members.") { domainFilter };
        list.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            var groups = await s.Directory.ListGroupsAsync(r.GetValue(domainFilter), ct).ConfigureAwait(false);
            Table(["GROUP", "MEMBERS"], groups.Select(g => new[] { g.Address, string.Join(", ", g.Members) }));
        }, ct));

        var memberGroup = Address("group", "The group's address");
        var member = Address("address", "The member: a local user, alias or group (groups nest), or a remote address");
        var memberAdd = new Command("add", "Add a member to a group (a cycle of groups is refused).") { memberGroup, member };
        memberAdd.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            await s.Directory.AddGroupMemberAsync(r.GetValue(memberGroup)!, r.GetValue(member)!, ct).ConfigureAwait(false);
            Console.WriteLine($"added {r.GetValue(member)} to {r.GetValue(memberGroup)}");
        }, ct));

        var removeGroup = Address("group", "The group's address");
        var removeMember = Address("address", "The member to remove");
        var memberRemove = new Command("remove", "Remove a member from a group.") { removeGroup, removeMember };
        memberRemove.SetAction((r, ct) => Run(r, data, async (s, _) =>
        {
            await s.Directory.RemoveGroupMemberAsync(r.GetValue(removeGroup)!, r.GetValue(removeMember)!, ct).ConfigureAwait(false);
            Console.WriteLine($"removed {r.GetValue(removeMember)} from {r.GetValue(removeGroup)}");
        }, ct));

        var members = new Command("member", "Manage a group's members.") { memberAdd, memberRemove };
        return new Command("group", "Manage groups (distribution lists).") { add, remove, list, members };
    }

    internal static Argument<string> Address(string name, string description) => new(name) { Description = description };

    /// <summary>A command of one argument that makes one change and prints what it did.</summary>
    private static Command AddressCommand(Option<string?> data, string name, string description, string argumentName, string argumentDescription, Func<StoreServices, string, CancellationToken, Task<string>> change)
    {
        var argument = Address(argumentName, argumentDescription);
        var command = new Command(name, description) { argument };
        command.SetAction((r, ct) => Run(r, data, async (s, _) => Console.WriteLine(await change(s, r.GetValue(argument)!, ct).ConfigureAwait(false)), ct));
        return command;
    }

    /// <summary>Opens the data folder's store, runs one action, maps failures to exit codes and one-line messages.</summary>
    internal static async Task<int> Run(ParseResult result, Option<string?> data, Func<StoreServices, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var folder = DataFolder.Resolve(result.GetValue(data));
        if (!folder.StoreExists)
        {
            await Console.Error.WriteLineAsync($"interchange: no Interchange store in {folder.Root} (start the server once with 'interchange serve', or pass --data)").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        try
        {
            var options = new InterchangeOptions();
            var configuration = ServerHost.LoadConfiguration(folder, Config is null ? null : result.GetValue(Config));
            configuration.Bind(options);
            foreach (var unknown in UnknownConfigurationKeys.Find(configuration, typeof(InterchangeOptions)))
            {
                await Console.Error.WriteLineAsync($"interchange: warning: {unknown}").ConfigureAwait(false);
            }

            if (options.Validate() is { Count: > 0 } problems)
            {
                throw new ConfigurationException(string.Join("; ", problems));
            }

            await using var store = await StoreServices.OpenAsync(folder, options, NullLogger.Instance, migrate: !folder.IsServerRunning(), cancellationToken).ConfigureAwait(false);
            await action(store, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (DirectoryInputException ex)
        {
            await Console.Error.WriteLineAsync($"interchange: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (DirectoryStoreException ex)
        {
            await Console.Error.WriteLineAsync($"interchange: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (ConfigurationException ex)
        {
            await Console.Error.WriteLineAsync($"interchange: configuration: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or Interchange.Storage.StoreException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"interchange: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private static async Task<(string Password, bool Generated)> Password(bool fromStdin, CancellationToken cancellationToken)
    {
        if (!fromStdin)
        {
            return (FirstRunSetup.GeneratePassword(), true);
        }

        var line = await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(line))
        {
            throw new DirectoryInputException("--password-stdin: standard input had no password line");
        }

        return (line.TrimEnd('\r'), false);
    }

    private static void PrintGenerated(string address, string? password)
    {
        if (password is not null)
        {
            Console.WriteLine($"password for {address}: {password}");
        }
    }

    internal static void Table(string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.ToList();
        if (all.Count == 0)
        {
            Console.WriteLine("(none)");
            return;
        }

        var widths = header.Select((h, i) => Math.Max(h.Length, all.Max(r => r[i].Length))).ToArray();
        Console.WriteLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in all)
        {
            Console.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }
}
