using System.Net;
using System.Security.Cryptography;
using Interchange.Core.Addressing;
using Interchange.Storage.Accounts;

namespace Interchange.Server.Hosting;

/// <summary>
/// On an empty directory: the primary domain and <c>postmaster@</c> it, with a generated
/// password that is printed once and never stored in clear.
/// </summary>
public static class FirstRunSetup
{
    public sealed record Result(string Domain, string Postmaster, string Password);

    /// <summary>
    /// Returns what was created, or null when the directory already has users. Keyed on users,
    /// not domains, so a start interrupted between making the domain and its postmaster
    /// finishes the job next time.
    /// </summary>
    public static async Task<Result?> RunAsync(StoreServices store, string? configuredDomain, CancellationToken cancellationToken)
    {
        if ((await store.DirectoryStore.ListUsersAsync(null, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return null;
        }

        var domain = PrimaryDomain(configuredDomain);
        if (!await store.DirectoryStore.DomainExistsAsync(domain, cancellationToken).ConfigureAwait(false))
        {
            await store.Directory.AddDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        }

        var password = GeneratePassword();
        var postmaster = await store.Directory.AddUserAsync($"postmaster@{domain}", password, cancellationToken).ConfigureAwait(false);
        await store.DirectoryStore.SetRoleAsync(postmaster.Key, UserRole.Admin, cancellationToken).ConfigureAwait(false); // the first administrator (console, API)

        // Recorded, so later starts and the admin commands agree on it without being told again.
        await store.DirectoryStore.SetPrimaryDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        return new Result(domain, postmaster.Value, password);
    }

    /// <summary>The configured primary domain, else the one recorded at the first start, else this host's name.</summary>
    public static async Task<string> ResolvePrimaryDomainAsync(StoreServices store, string? configured, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return PrimaryDomain(configured);
        }

        return await store.DirectoryStore.GetPrimaryDomainAsync(cancellationToken).ConfigureAwait(false) ?? PrimaryDomain(null);
    }

    /// <summary>The configured domain, else this host's name if it is a valid domain, else localhost.</summary>
    public static string PrimaryDomain(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return DomainName.Parse(configured).Value;
        }

        string host;
        try
        {
            host = Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return "localhost";
        }

        return DomainName.TryParse(host, out var parsed, out _) ? parsed.Value : "localhost";
    }

    /// <summary>20 characters from an unambiguous alphabet: about 100 bits.</summary>
    public static string GeneratePassword()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return RandomNumberGenerator.GetString(alphabet, 20);
    }
}
