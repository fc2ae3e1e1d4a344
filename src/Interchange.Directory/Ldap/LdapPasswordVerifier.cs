using Interchange.Core.Logging;
using Interchange.Directory.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Directory.Ldap;

/// <summary>
/// Bind authentication: the user's DN is found by a search on the mail attribute as the service
/// account (the address escaped per RFC 4515, so a login name cannot widen the filter), then the
/// password is checked by a simple bind as that DN on a fresh connection. No hash is ever stored.
/// An entry that is gone, or a name that matches several, is a refusal; a directory that does
/// not answer is <see cref="ExternalPasswordResult.Unavailable"/>.
/// </summary>
public sealed class LdapPasswordVerifier(LdapOptions options, ILdapDirectory directory, ILogger<LdapPasswordVerifier>? logger = null) : IExternalPasswordVerifier
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public string Source => LdapOptions.SourceName;

    public TimeSpan RememberFor => options.PasswordCacheTime;

    /// <summary>The filter that finds the entry of <paramref name="address"/>.</summary>
    public string FilterFor(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var byMail = LdapFilter.Equality(options.MailAttribute, address);
        var proxy = options.EffectiveProxyAddressesAttribute;
        var match = proxy.Length > 0 ? $"(|{byMail}{LdapFilter.Equality(proxy, "SMTP:" + address)})" : byMail;
        return LdapFilter.And(options.UserFilter, match);
    }

    public async Task<ExternalPasswordResult> VerifyAsync(string address, string password, CancellationToken cancellationToken)
    {
        if (password.Length == 0)
        {
            // RFC 4513 section 5.1.2: an empty password would be an unauthenticated bind.
            LdapMetrics.Binds.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
            return ExternalPasswordResult.Rejected;
        }

        try
        {
            // "1.1": no attributes, only the DN (RFC 4511 section 4.5.1.8).
            var found = await directory.SearchAsync(FilterFor(address), ["1.1"], cancellationToken).ConfigureAwait(false);
            if (found.Count != 1)
            {
                _logger.LogInformation("LDAP: {Count} entries for {User}; the login is refused", found.Count, new LogText(address));
                LdapMetrics.Binds.Add(1, new KeyValuePair<string, object?>("outcome", "rejected"));
                return ExternalPasswordResult.Rejected;
            }

            var result = await directory.BindAsync(found[0].Dn, password, cancellationToken).ConfigureAwait(false);
            var verdict = result == LdapBindResult.Succeeded ? ExternalPasswordResult.Verified : ExternalPasswordResult.Rejected;
            LdapMetrics.Binds.Add(1, new KeyValuePair<string, object?>("outcome", verdict == ExternalPasswordResult.Verified ? "verified" : "rejected"));
            return verdict;
        }
        catch (LdapUnavailableException ex)
        {
            _logger.LogWarning("LDAP: the password of {User} could not be checked: {Error}", new LogText(address), ex.Message);
            LdapMetrics.Binds.Add(1, new KeyValuePair<string, object?>("outcome", "unavailable"));
            return ExternalPasswordResult.Unavailable;
        }
    }
}
