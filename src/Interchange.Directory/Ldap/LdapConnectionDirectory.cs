using System.DirectoryServices.Protocols;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Directory.Ldap;

/// <summary>
/// <see cref="ILdapDirectory"/> over System.DirectoryServices.Protocols (on Linux, OpenLDAP's
/// libldap). Every call opens its own connection, tries the configured servers in order until one
/// answers, and is bounded: the library's own timeout per operation, and a deadline of twice that
/// around the whole call in case a native call ignores it (a hung server is then reported as
/// unavailable; the blocked call ends when the library gives up).
/// </summary>
public sealed class LdapConnectionDirectory(LdapOptions options, ILogger<LdapConnectionDirectory>? logger = null) : ILdapDirectory
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    // libldap result codes (RFC 4511 appendix A; 81-91 are the client library's own).
    private const int InvalidCredentials = 49;
    private const int ServerDown = 81;
    private const int LocalError = 82;
    private const int TimeoutCode = 85;
    private const int ConnectError = 91;

    public Task<IReadOnlyList<LdapEntry>> SearchAsync(string filter, IReadOnlyList<string> attributes, CancellationToken cancellationToken) =>
        RunAsync(connection =>
        {
            BindServiceAccount(connection);
            return Search(connection, filter, attributes, cancellationToken);
        }, "search", cancellationToken);

    public async Task<LdapBindResult> BindAsync(string dn, string password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dn);
        ArgumentNullException.ThrowIfNull(password);

        // RFC 4513 section 5.1.2: a name with an empty password is an unauthenticated bind, which
        // servers accept without checking anything. It must never count as a right password.
        if (dn.Length == 0 || password.Length == 0)
        {
            return LdapBindResult.InvalidCredentials;
        }

        return await RunAsync(connection =>
        {
            try
            {
                connection.Bind(new NetworkCredential(dn, password));
                return LdapBindResult.Succeeded;
            }
            catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
            {
                return LdapBindResult.InvalidCredentials;
            }
        }, "bind", cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> RunAsync<T>(Func<LdapConnection, T> operation, string what, CancellationToken cancellationToken)
    {
        var servers = options.Servers();
        Exception? last = null;
        foreach (var server in servers)
        {
            cancellationToken.ThrowIfCancellationRequested();

            // A dedicated thread: libldap's calls block, and a slow directory must not hold pool threads.
            var work = Task.Factory.StartNew(() =>
            {
                using var connection = Open(server);
                return operation(connection);
            }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            try
            {
                return await work.WaitAsync(Deadline(), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                last = ex;
                _logger.LogWarning("LDAP {What} at {Server} did not finish within {Seconds:F0} s", what, server, Deadline().TotalSeconds);
                _ = work.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
            catch (LdapException ex) when (ex.ErrorCode is ServerDown or ConnectError or TimeoutCode or LocalError)
            {
                last = ex;
                _logger.LogWarning("LDAP {What} at {Server}: {Error} ({Code})", what, server, ex.Message, ex.ErrorCode);
            }
            catch (LdapException ex)
            {
                throw new LdapUnavailableException($"LDAP {what} at {server} failed: {ex.Message} (result {ex.ErrorCode}{(string.IsNullOrEmpty(ex.ServerErrorMessage) ? "" : ", " + ex.ServerErrorMessage)})", ex);
            }
            catch (DirectoryOperationException ex)
            {
                throw new LdapUnavailableException($"LDAP {what} at {server} failed: {ex.Message} ({ex.Response?.ResultCode}: {ex.Response?.ErrorMessage})", ex);
            }
            catch (DirectoryException ex)
            {
                throw new LdapUnavailableException($"LDAP {what} at {server} failed: {ex.Message}", ex);
            }
        }

        throw new LdapUnavailableException($"No LDAP server answered the {what} ({string.Join(", ", servers)}): {last?.Message}", last ?? new InvalidOperationException("no server configured"));
    }

    private TimeSpan Deadline() => options.Timeout * 2;

    private LdapConnection Open(LdapServerAddress server)
    {
        var connection = new LdapConnection(new LdapDirectoryIdentifier(server.Host, server.Port, fullyQualifiedDnsHostName: false, connectionless: false))
        {
            AuthType = AuthType.Basic,
            Timeout = options.Timeout,
            AutoBind = false,
        };
        try
        {
            connection.SessionOptions.ProtocolVersion = 3;
            connection.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
            if (options.TrustedCertificatesDirectory is { Length: > 0 } trusted && !OperatingSystem.IsWindows())
            {
                connection.SessionOptions.TrustedCertificatesDirectory = trusted;
                connection.SessionOptions.StartNewTlsSessionContext();
            }

            if (server.Ldaps)
            {
                connection.SessionOptions.SecureSocketLayer = true;
            }
            else if (options.StartTls)
            {
                connection.SessionOptions.StartTransportLayerSecurity(null);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void BindServiceAccount(LdapConnection connection)
    {
        var password = options.ReadBindPassword();
        if (string.IsNullOrEmpty(options.BindDn))
        {
            connection.AuthType = AuthType.Anonymous;
            connection.Bind();
            return;
        }

        if (string.IsNullOrEmpty(password))
        {
            throw new LdapUnavailableException("Directory:Ldap:BindDn is set but no password (BindPassword or BindPasswordFile)");
        }

        try
        {
            connection.Bind(new NetworkCredential(options.BindDn, password));
        }
        catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
        {
            throw new LdapUnavailableException($"the directory refused the service account {options.BindDn}: wrong Directory:Ldap:BindPassword", ex);
        }
    }

    private IReadOnlyList<LdapEntry> Search(LdapConnection connection, string filter, IReadOnlyList<string> attributes, CancellationToken cancellationToken)
    {
        var request = new SearchRequest(options.BaseDn, filter, SearchScope.Subtree, [.. attributes])
        {
            TimeLimit = options.Timeout,
        };

        // RFC 2696: not critical, so a server without paging still answers (up to its size limit).
        var paging = new PageResultRequestControl(options.PageSize) { IsCritical = false };
        request.Controls.Add(paging);
        var entries = new List<LdapEntry>();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var response = (SearchResponse)connection.SendRequest(request, options.Timeout);
            foreach (SearchResultEntry found in response.Entries)
            {
                if (entries.Count >= options.MaxEntries)
                {
                    throw new LdapUnavailableException($"the search {filter} returned more than Directory:Ldap:MaxEntries ({options.MaxEntries}) entries");
                }

                entries.Add(Convert(found));
            }

            var page = response.Controls.OfType<PageResultResponseControl>().FirstOrDefault();
            if (page is null || page.Cookie.Length == 0)
            {
                return entries;
            }

            paging.Cookie = page.Cookie;
        }
    }

    private static LdapEntry Convert(SearchResultEntry entry)
    {
        var attributes = new List<KeyValuePair<string, IReadOnlyList<string>>>();
        foreach (DirectoryAttribute attribute in entry.Attributes.Values)
        {
            var values = (string[])attribute.GetValues(typeof(string));
            attributes.Add(new(attribute.Name, values));
        }

        return new LdapEntry(entry.DistinguishedName, attributes);
    }
}
