using Interchange.Core.Addressing;
using Interchange.Directory.Passwords;
using Interchange.Storage.Accounts;

namespace Interchange.Directory.Administration;

/// <summary>
/// The directory as an administrator changes it (CLI now, the admin API later): validates and
/// normalises input, then hands one atomic change to the store. Malformed input throws
/// <see cref="DirectoryInputException"/>; refused changes throw <see cref="DirectoryStoreException"/>.
/// </summary>
public sealed class DirectoryService(IDirectoryStore store, PasswordHasher hasher, DirectoryOptions options)
{
    public IDirectoryStore Store => store;

    public async Task<DomainName> AddDomainAsync(string domain, CancellationToken cancellationToken = default)
    {
        var name = ParseDomain(domain);
        await store.AddDomainAsync(name.Value, cancellationToken).ConfigureAwait(false);
        return name;
    }

    public Task RemoveDomainAsync(string domain, bool force, CancellationToken cancellationToken = default) =>
        store.RemoveDomainAsync(ParseDomain(domain).Value, force, cancellationToken);

    public Task<IReadOnlyList<DomainRecord>> ListDomainsAsync(CancellationToken cancellationToken = default) =>
        store.ListDomainsAsync(cancellationToken);

    public async Task<EmailAddress> AddUserAsync(string address, string? password, CancellationToken cancellationToken = default)
    {
        var parsed = ParseAddress(address);
        var hash = password is null ? null : HashChecked(password);
        await store.AddUserAsync(parsed.Key, parsed.Value, parsed.Domain.Value, hash, cancellationToken).ConfigureAwait(false);
        return parsed;
    }

    public Task SetPasswordAsync(string address, string password, CancellationToken cancellationToken = default) =>
        store.SetPasswordAsync(ParseAddress(address).Key, HashChecked(password), cancellationToken);

    public Task SetDisabledAsync(string address, bool disabled, CancellationToken cancellationToken = default) =>
        store.SetDisabledAsync(ParseAddress(address).Key, disabled, cancellationToken);

    public Task SetRoleAsync(string address, UserRole role, CancellationToken cancellationToken = default) =>
        store.SetRoleAsync(ParseAddress(address).Key, role, cancellationToken);

    public Task RemoveUserAsync(string address, CancellationToken cancellationToken = default) =>
        store.RemoveUserAsync(ParseAddress(address).Key, cancellationToken);

    public Task<IReadOnlyList<UserRecord>> ListUsersAsync(string? domain = null, CancellationToken cancellationToken = default) =>
        store.ListUsersAsync(domain is null ? null : ParseDomain(domain).Value, cancellationToken);

    /// <summary>
    /// Points <paramref name="alias"/> at <paramref name="target"/>. <c>@domain</c> makes the
    /// domain's catch-all. A local target must exist (the store checks, atomically); a remote
    /// one is taken as written.
    /// </summary>
    public async Task AddAliasAsync(string alias, string target, CancellationToken cancellationToken = default)
    {
        var (aliasKey, aliasAddress, domain) = ParseAliasName(alias);
        var targetAddress = ParseAddress(target);
        if (targetAddress.Key == aliasKey)
        {
            throw new DirectoryInputException($"{alias} cannot be an alias of itself");
        }

        await store.AddAliasTargetAsync(aliasKey, aliasAddress, domain, targetAddress.Value, targetAddress.Key, cancellationToken).ConfigureAwait(false);
    }

    public Task RemoveAliasAsync(string alias, string? target, CancellationToken cancellationToken = default) =>
        store.RemoveAliasAsync(ParseAliasName(alias).Key, target is null ? null : ParseAddress(target).Key, cancellationToken);

    public Task<IReadOnlyList<AliasRecord>> ListAliasesAsync(string? domain = null, CancellationToken cancellationToken = default) =>
        store.ListAliasesAsync(domain is null ? null : ParseDomain(domain).Value, cancellationToken);

    public async Task<EmailAddress> AddGroupAsync(string address, CancellationToken cancellationToken = default)
    {
        var parsed = ParseAddress(address);
        await store.AddGroupAsync(parsed.Key, parsed.Value, parsed.Domain.Value, cancellationToken).ConfigureAwait(false);
        return parsed;
    }

    public Task RemoveGroupAsync(string address, CancellationToken cancellationToken = default) =>
        store.RemoveGroupAsync(ParseAddress(address).Key, cancellationToken);

    public async Task AddGroupMemberAsync(string group, string member, CancellationToken cancellationToken = default)
    {
        var groupAddress = ParseAddress(group);
        var memberAddress = ParseAddress(member);
        await store.AddGroupMemberAsync(groupAddress.Key, memberAddress.Value, memberAddress.Key, cancellationToken).ConfigureAwait(false);
    }

    public Task RemoveGroupMemberAsync(string group, string member, CancellationToken cancellationToken = default) =>
        store.RemoveGroupMemberAsync(ParseAddress(group).Key, ParseAddress(member).Key, cancellationToken);

    public Task<IReadOnlyList<GroupRecord>> ListGroupsAsync(string? domain = null, CancellationToken cancellationToken = default) =>
        store.ListGroupsAsync(domain is null ? null : ParseDomain(domain).Value, cancellationToken);

    public static EmailAddress ParseAddress(string address) =>
        EmailAddress.TryParse(address, out var parsed, out var error) ? parsed : throw new DirectoryInputException(error);

    public static DomainName ParseDomain(string domain) =>
        DomainName.TryParse(domain, out var parsed, out var error) ? parsed : throw new DirectoryInputException(error);

    private static (string Key, string Address, string Domain) ParseAliasName(string alias)
    {
        if (alias.StartsWith('@'))
        {
            var domain = ParseDomain(alias[1..]);
            return ("@" + domain.Value, "@" + domain.Value, domain.Value);
        }

        var parsed = ParseAddress(alias);
        return (parsed.Key, parsed.Value, parsed.Domain.Value);
    }

    private string HashChecked(string password)
    {
        if (password.Length < options.MinimumPasswordLength)
        {
            throw new DirectoryInputException($"the password is shorter than {options.MinimumPasswordLength} characters");
        }

        if (password.Length > options.MaximumPasswordLength)
        {
            throw new DirectoryInputException($"the password is longer than {options.MaximumPasswordLength} characters");
        }

        if (password.Any(char.IsControl))
        {
            throw new DirectoryInputException("the password contains control characters");
        }

        return hasher.Hash(password);
    }
}
