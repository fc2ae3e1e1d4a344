using Interchange.Directory.Ldap;
using Interchange.Directory.Security;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Ldap;

/// <summary>Interchange's LDAP client (System.DirectoryServices.Protocols over libldap) against slapd: paging, bind checks, escaping.</summary>
public sealed class LdapClientTests : IAsyncLifetime
{
    private const int Users = 500;
    private SlapdServer _slapd = null!;

    public async Task InitializeAsync()
    {
        _slapd = await SlapdServer.StartAsync();
        var added = await _slapd.AddAsync(SlapdServer.DirectoryLdif(Users, groups: 2, groupSize: 5));
        if (added.ExitCode != 0)
        {
            await _slapd.DisposeAsync(); // xunit does not call DisposeAsync when InitializeAsync fails
            throw new InvalidOperationException("ldapadd failed: " + ExternalProcess.Describe(added));
        }
    }

    public async Task DisposeAsync() => await _slapd.DisposeAsync();

    private LdapOptions Options() => new()
    {
        Url = _slapd.Url,
        BaseDn = SlapdServer.Suffix,
        BindDn = SlapdServer.ServiceDn,
        BindPassword = SlapdServer.ServicePassword,
        PageSize = 50,
        Timeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task A_paged_search_reads_past_the_size_limit_that_stops_ldapsearch_without_paging()
    {
        // ldapsearch (OpenLDAP's own client) as the same account: the limit holds without paging…
        var plain = await _slapd.ServiceSearchAsync("(objectClass=inetOrgPerson)");
        plain.ExitCode.ShouldBe(4, ExternalProcess.Describe(plain)); // sizeLimitExceeded
        var paged = await _slapd.ServiceSearchAsync("(objectClass=inetOrgPerson)", "-E", "pr=100/noprompt");
        paged.Stdout.ShouldContain($"# numEntries: {Users}");

        // …and our client pages through all of them.
        var snapshot = await new LdapDirectoryReader(Options(), new LdapConnectionDirectory(Options())).ReadAsync(CancellationToken.None);

        snapshot.Users.Count.ShouldBe(Users);
        snapshot.Users.Single(u => u.Address.Value == "u42@example.test").Aliases.Select(a => a.Value).ShouldBe(["alt42@example.test"]);
        snapshot.Groups.Count.ShouldBe(2);
        snapshot.Groups.Single(g => g.Address.Value == "g1@example.test").MemberDns.Count.ShouldBe(5);
    }

    [Fact]
    public async Task Binds_verify_passwords_and_an_injected_filter_matches_nobody()
    {
        var verifier = new LdapPasswordVerifier(Options(), new LdapConnectionDirectory(Options()));

        (await verifier.VerifyAsync("u7@example.test", "pw-7", default)).ShouldBe(ExternalPasswordResult.Verified);
        (await verifier.VerifyAsync("U7@Example.Test", "pw-7", default)).ShouldBe(ExternalPasswordResult.Verified); // mail matches case-insensitively
        (await verifier.VerifyAsync("u7@example.test", "pw-8", default)).ShouldBe(ExternalPasswordResult.Rejected);
        (await verifier.VerifyAsync("u7@example.test", "", default)).ShouldBe(ExternalPasswordResult.Rejected);

        // Pasted unescaped, each of these names would find u7's entry (exactly one, so the bind with
        // u7's password would succeed); escaped, each is one literal value that no mail attribute has.
        (await verifier.VerifyAsync("u7@example.test)(uid=u7", "pw-7", default)).ShouldBe(ExternalPasswordResult.Rejected);
        (await verifier.VerifyAsync("u7@example.t*", "pw-7", default)).ShouldBe(ExternalPasswordResult.Rejected);
        (await verifier.VerifyAsync("*", "pw-7", default)).ShouldBe(ExternalPasswordResult.Rejected);
        var unescaped = await _slapd.ServiceSearchAsync("(&(objectClass=inetOrgPerson)(mail=u7@example.t*))", "-E", "pr=100/noprompt");
        unescaped.Stdout.ShouldContain("# numEntries: 1"); // what the unescaped text would have found
    }

    [Fact]
    public async Task A_stopped_directory_is_unavailable_and_a_wrong_service_password_too_never_a_wrong_user_password()
    {
        var wrongService = Options();
        wrongService.BindPassword = "not-the-service-password";
        (await new LdapPasswordVerifier(wrongService, new LdapConnectionDirectory(wrongService)).VerifyAsync("u7@example.test", "pw-7", default))
            .ShouldBe(ExternalPasswordResult.Unavailable);

        await _slapd.StopAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        (await new LdapPasswordVerifier(Options(), new LdapConnectionDirectory(Options())).VerifyAsync("u7@example.test", "pw-7", default))
            .ShouldBe(ExternalPasswordResult.Unavailable);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10)); // bounded by Timeout × 2
        await Should.ThrowAsync<LdapUnavailableException>(() => new LdapDirectoryReader(Options(), new LdapConnectionDirectory(Options())).ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_directory_that_accepts_but_never_answers_is_unavailable_within_the_timeout()
    {
        // A listener that accepts and stays silent: the client must not hang.
        using var silent = new System.Net.Sockets.TcpListener(SlapdServer.Address, 0);
        silent.Start();
        var port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var options = Options();
        options.Url = $"ldap://{SlapdServer.Address}:{port}";
        options.Timeout = TimeSpan.FromSeconds(1);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        (await new LdapPasswordVerifier(options, new LdapConnectionDirectory(options)).VerifyAsync("u7@example.test", "pw-7", default))
            .ShouldBe(ExternalPasswordResult.Unavailable);
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }
}
