using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Interchange.IntegrationTests.Ldap;

/// <summary>
/// Debian's OpenLDAP slapd with a throwaway slapd.conf and mdb database in a temp folder,
/// listening on ldap://127.0.0.180:PORT only, stopped by its pid. The tree is
/// <c>dc=example,dc=test</c> with a service account that may read everything but passwords, and
/// users that may bind. mailAlternateAddress comes from a small schema of its own (the
/// Netscape/Sun attribute and the <c>mailRecipient</c> auxiliary class with their usual OIDs),
/// since Debian's schemas lack it. Like Active Directory's 1,000, the directory answers at most
/// 200 entries to a search without the paged results control (RFC 2696), so the sync must page.
/// </summary>
public sealed class SlapdServer : IAsyncDisposable
{
    public const string Suffix = "dc=example,dc=test";
    public const string AdminDn = "cn=admin,dc=example,dc=test";
    public const string ServiceDn = "cn=interchange,ou=services,dc=example,dc=test";
    public const string ServicePassword = "service-secret";
    public const int SizeLimit = 200;
    public const string AdminPassword = "admin-secret";

    private readonly ScratchFolder _folder = new();
    private readonly bool _activeDirectorySchema;
    private int _pid;

    private SlapdServer(int port, bool activeDirectorySchema)
    {
        Port = port;
        _activeDirectorySchema = activeDirectorySchema;
    }

    public static IPAddress Address { get; } = IPAddress.Parse("127.0.0.180");

    public int Port { get; }

    public string Url => $"ldap://{Address}:{Port}";

    public bool Running => _pid != 0;

    /// <param name="activeDirectorySchema">Also load Debian's msuser.schema (Active Directory's <c>user</c>, <c>group</c>, <c>proxyAddresses</c>, <c>userAccountControl</c>).</param>
    public static async Task<SlapdServer> StartAsync(bool activeDirectorySchema = false)
    {
        var server = new SlapdServer(FreePort(), activeDirectorySchema);
        try
        {
            await server.WriteConfigurationAsync();
            await server.RunAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts slapd (again, on the same database and port) and waits until it answers, at most 20 s.</summary>
    public async Task RunAsync()
    {
        var pidFile = Path.Combine(_folder.Path, "slapd.pid");
        File.Delete(pidFile);
        var started = await ExternalProcess.RunAsync("/usr/sbin/slapd", ["-f", Path.Combine(_folder.Path, "slapd.conf"), "-h", Url + "/"], timeout: TimeSpan.FromSeconds(20));
        if (started.ExitCode != 0)
        {
            throw new InvalidOperationException("slapd did not start: " + ExternalProcess.Describe(started));
        }

        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                _pid = pid;
                var probe = await ExternalProcess.RunAsync("ldapsearch", ["-x", "-H", Url, "-D", AdminDn, "-w", AdminPassword, "-b", "", "-s", "base", "-o", "nettimeout=2"], timeout: TimeSpan.FromSeconds(10));
                if (probe.ExitCode == 0)
                {
                    return;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"slapd did not answer on {Url} within 20 s");
    }

    /// <summary>Stops slapd by its pid (SIGTERM, then SIGKILL after 10 s).</summary>
    public async Task StopAsync()
    {
        if (_pid == 0)
        {
            return;
        }

        var pid = _pid;
        _pid = 0;
        Process process;
        try
        {
            process = Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return; // already gone
        }

        using (process)
        {
            await ExternalProcess.RunAsync("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)], timeout: TimeSpan.FromSeconds(5));
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(bound.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill();
            }
            catch (InvalidOperationException)
            {
                // not a child of ours: wait by polling
                var watch = Stopwatch.StartNew();
                while (System.IO.Directory.Exists($"/proc/{pid}") && watch.Elapsed < TimeSpan.FromSeconds(10))
                {
                    await Task.Delay(50);
                }
            }
        }
    }

    /// <summary>Runs ldapadd as the directory's administrator with <paramref name="ldif"/>.</summary>
    public Task<ExternalProcess.Result> AddAsync(string ldif) => AdminToolAsync("ldapadd", [], ldif);

    public Task<ExternalProcess.Result> DeleteAsync(string dn) => AdminToolAsync("ldapdelete", [dn], null);

    public Task<ExternalProcess.Result> ModifyAsync(string ldif) => AdminToolAsync("ldapmodify", [], ldif);

    /// <summary>ldappasswd: the RFC 3062 password modify operation, as an administrator would change a password.</summary>
    public Task<ExternalProcess.Result> SetPasswordAsync(string dn, string password) => AdminToolAsync("ldappasswd", ["-s", password, dn], null);

    /// <summary>ldapsearch as the service account (no paging unless <paramref name="extra"/> asks), for counts an independent tool reports.</summary>
    public Task<ExternalProcess.Result> ServiceSearchAsync(string filter, params string[] extra) =>
        ExternalProcess.RunAsync("ldapsearch", ["-x", "-H", Url, "-D", ServiceDn, "-w", ServicePassword, "-b", Suffix, "-o", "nettimeout=5", .. extra, filter, "dn"], timeout: TimeSpan.FromSeconds(30));

    private Task<ExternalProcess.Result> AdminToolAsync(string tool, string[] arguments, string? stdin) =>
        ExternalProcess.RunAsync(tool, ["-x", "-H", Url, "-D", AdminDn, "-w", AdminPassword, "-o", "nettimeout=5", .. arguments], stdin, TimeSpan.FromSeconds(60));

    /// <summary>The base entries, the service account, <paramref name="users"/> users u0… (password pw-N, alias altN) and groups gN of <paramref name="groupSize"/> users each.</summary>
    public static string DirectoryLdif(int users, int groups, int groupSize)
    {
        var ldif = new StringBuilder();
        ldif.Append(CultureInfo.InvariantCulture, $"dn: {Suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n");
        foreach (var ou in new[] { "people", "groups", "services" })
        {
            ldif.Append(CultureInfo.InvariantCulture, $"dn: ou={ou},{Suffix}\nobjectClass: organizationalUnit\nou: {ou}\n\n");
        }

        ldif.Append(CultureInfo.InvariantCulture, $"dn: {ServiceDn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: interchange\nuserPassword: {ServicePassword}\n\n");
        for (var i = 0; i < users; i++)
        {
            ldif.Append(UserLdif(i));
        }

        for (var g = 0; g < groups; g++)
        {
            ldif.Append(CultureInfo.InvariantCulture, $"dn: cn=g{g},ou=groups,{Suffix}\nobjectClass: groupOfNames\nobjectClass: mailRecipient\ncn: g{g}\nmail: g{g}@example.test\n");
            for (var m = 0; m < groupSize; m++)
            {
                ldif.Append(CultureInfo.InvariantCulture, $"member: {UserDn(g * groupSize + m)}\n");
            }

            ldif.Append('\n');
        }

        return ldif.ToString();
    }

    public static string UserDn(int i) => $"uid=u{i},ou=people,{Suffix}";

    public static string UserLdif(int i, string domain = "example.test") =>
        $"dn: {UserDn(i)}\nobjectClass: inetOrgPerson\nobjectClass: mailRecipient\nuid: u{i}\ncn: User {i}\nsn: {i}\nmail: u{i}@{domain}\nmailAlternateAddress: alt{i}@{domain}\nuserPassword: pw-{i}\n\n";

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _folder.Dispose();
    }

    private async Task WriteConfigurationAsync()
    {
        var dir = _folder.Path;
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "db"));
        await File.WriteAllTextAsync(Path.Combine(dir, "mail.schema"), """
            attributetype ( 2.16.840.1.113730.3.1.13 NAME 'mailAlternateAddress'
              DESC 'other RFC 5321 addresses that deliver to this entry'
              EQUALITY caseIgnoreIA5Match SUBSTR caseIgnoreIA5SubstringsMatch
              SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} )
            objectclass ( 2.16.840.1.113730.3.2.3 NAME 'mailRecipient' SUP top AUXILIARY
              MAY ( mail $ mailAlternateAddress ) )

            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "slapd.conf"), $"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            include {dir}/mail.schema
            {(_activeDirectorySchema ? "include /etc/ldap/schema/nis.schema\ninclude /etc/ldap/schema/msuser.schema" : "")}
            pidfile {dir}/slapd.pid
            argsfile {dir}/slapd.args
            modulepath /usr/lib/ldap
            moduleload back_mdb
            sizelimit size.soft={SizeLimit} size.hard={SizeLimit} size.prtotal=unlimited
            database mdb
            maxsize 268435456
            suffix "{Suffix}"
            rootdn "{AdminDn}"
            rootpw {AdminPassword}
            directory {dir}/db
            access to attrs=userPassword by self write by anonymous auth by * none
            access to * by dn.exact="{ServiceDn}" read by self read by * none

            """);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(Address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
