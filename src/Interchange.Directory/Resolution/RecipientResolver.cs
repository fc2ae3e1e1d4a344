using Interchange.Core.Addressing;
using Interchange.Storage.Accounts;

namespace Interchange.Directory.Resolution;

/// <summary>
/// Expands an address to its final destinations: aliases to their targets, groups (nested) to
/// their members, unknown local addresses to the domain's catch-all. Each destination appears
/// once; loops and excessive depth stop expansion instead of recursing forever.
/// <c>postmaster@</c> every local domain exists (RFC 5321 4.5.1): unless the domain has a user,
/// alias or group of that name, it is the postmaster of <paramref name="primaryDomain"/>.
/// </summary>
public sealed class RecipientResolver(IDirectoryStore store, string? primaryDomain = null)
{
    public const int MaxDepth = 32;

    /// <summary>
    /// The destinations of <paramref name="address"/>; empty when it is a local address that
    /// names nothing and the domain has no catch-all (the caller rejects it: 550 5.1.1).
    /// </summary>
    public async Task<IReadOnlyList<ResolvedRecipient>> ResolveAsync(EmailAddress address, CancellationToken cancellationToken = default)
    {
        var results = new List<ResolvedRecipient>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await ExpandAsync(address, 0, seen, results, cancellationToken).ConfigureAwait(false);
        return results;
    }

    private async Task ExpandAsync(EmailAddress address, int depth, HashSet<string> seen, List<ResolvedRecipient> results, CancellationToken cancellationToken)
    {
        if (depth > MaxDepth || !seen.Add(address.Key))
        {
            return;
        }

        var entry = await store.FindAsync(address.Key, cancellationToken).ConfigureAwait(false);
        switch (entry?.Kind)
        {
            case AddressKind.User:
                results.Add(new ResolvedRecipient(entry.Address, entry.Key, IsLocal: true));
                return;
            case AddressKind.Alias:
                await ExpandAllAsync(await store.GetAliasTargetsAsync(entry.Key, cancellationToken).ConfigureAwait(false), depth, seen, results, cancellationToken).ConfigureAwait(false);
                return;
            case AddressKind.Group:
                await ExpandAllAsync(await store.GetGroupMembersAsync(entry.Key, cancellationToken).ConfigureAwait(false), depth, seen, results, cancellationToken).ConfigureAwait(false);
                return;
        }

        if (!await store.DomainExistsAsync(address.Domain.Value, cancellationToken).ConfigureAwait(false))
        {
            results.Add(new ResolvedRecipient(address.Value, address.Key, IsLocal: false));
            return;
        }

        if (primaryDomain is not null && string.Equals(address.LocalPart, "postmaster", StringComparison.OrdinalIgnoreCase)
            && EmailAddress.TryParse($"postmaster@{primaryDomain}", out var postmaster, out _)
            && postmaster.Domain != address.Domain)
        {
            // Before the catch-all: mail for the postmaster is for the administrator.
            await ExpandAsync(postmaster, depth + 1, seen, results, cancellationToken).ConfigureAwait(false);
            return;
        }

        var catchAll = await store.GetAliasTargetsAsync("@" + address.Domain.Value, cancellationToken).ConfigureAwait(false);
        await ExpandAllAsync(catchAll, depth, seen, results, cancellationToken).ConfigureAwait(false);
    }

    private async Task ExpandAllAsync(IReadOnlyList<string> targets, int depth, HashSet<string> seen, List<ResolvedRecipient> results, CancellationToken cancellationToken)
    {
        foreach (var target in targets)
        {
            if (EmailAddress.TryParse(target, out var parsed, out _))
            {
                await ExpandAsync(parsed, depth + 1, seen, results, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
