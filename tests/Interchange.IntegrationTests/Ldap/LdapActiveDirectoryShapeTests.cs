using Interchange.Directory.Ldap;
using Interchange.Directory.Security;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Ldap;

/// <summary>
/// Active Directory's shapes served by slapd with Debian's msuser.schema: <c>user</c> entries with
/// <c>proxyAddresses</c>, <c>sAMAccountName</c> and <c>userAccountControl</c>, a <c>group</c>,
/// read with <c>ActiveDirectory: true</c>. (msuser.schema gives proxyAddresses no equality rule, so
/// here the DN look-up at login finds users by <c>mail</c>, which AD sets to the primary address.)
/// </summary>
public sealed class LdapActiveDirectoryShapeTests : IAsyncLifetime
{
    private SlapdServer _slapd = null!;

    public async Task InitializeAsync()
    {
        _slapd = await SlapdServer.StartAsync(activeDirectorySchema: true);
        var added = await _slapd.AddAsync($"""
            dn: {SlapdServer.Suffix}
            objectClass: dcObject
            objectClass: organization
            dc: example
            o: Example

            dn: ou=services,{SlapdServer.Suffix}
            objectClass: organizationalUnit
            ou: services

            dn: {SlapdServer.ServiceDn}
            objectClass: organizationalRole
            objectClass: simpleSecurityObject
            cn: interchange
            userPassword: {SlapdServer.ServicePassword}

            {User("Bob Jones", "bjones", 512, "bob@example.test", "SMTP:bob@example.test", "smtp:bob.jones@example.test", "smtp:BJ@example.test", "X500:/o=Example/ou=Exchange/cn=bob", "sip:bob@example.test")}
            {User("Carol Gone", "cgone", 514, "carol@example.test", "SMTP:carol@example.test")}
            {User("Smith, John", "jsmith", 66048, "john@example.test", "SMTP:john@example.test", "smtp:js@example.test")}
            dn: CN=Staff,{SlapdServer.Suffix}
            objectClass: group
            cn: Staff
            groupType: -2147483646
            instanceType: 4
            objectCategory: CN=Group,CN=Schema,CN=Configuration,{SlapdServer.Suffix}
            nTSecurityDescriptor: x
            mail: staff@example.test
            member: CN=Bob Jones,{SlapdServer.Suffix}
            member: CN=Smith\2C John,{SlapdServer.Suffix}

            """);
        if (added.ExitCode != 0)
        {
            await _slapd.DisposeAsync(); // xunit does not call DisposeAsync when InitializeAsync fails
            throw new InvalidOperationException("ldapadd failed: " + ExternalProcess.Describe(added));
        }
    }

    public async Task DisposeAsync() => await _slapd.DisposeAsync();

    // extensibleObject: msuser.schema declares sAMAccountName but puts it in no class.
    private static string User(string cn, string account, int control, string mail, params string[] proxies) => $"""
        dn: CN={cn.Replace(",", "\\,", StringComparison.Ordinal)},{SlapdServer.Suffix}
        objectClass: user
        objectClass: extensibleObject
        cn: {cn}
        sn: {cn.Split(' ')[^1]}
        instanceType: 4
        objectCategory: CN=Person,CN=Schema,CN=Configuration,{SlapdServer.Suffix}
        nTSecurityDescriptor: x
        sAMAccountName: {account}
        userAccountControl: {control}
        mail: {mail}
        {string.Join("\n", proxies.Select(p => "proxyAddresses: " + p))}
        userPassword: {account}-pw

        """;

    private LdapOptions Options() => new()
    {
        Url = _slapd.Url,
        BaseDn = SlapdServer.Suffix,
        BindDn = SlapdServer.ServiceDn,
        BindPassword = SlapdServer.ServicePassword,
        ActiveDirectory = true,
        UserFilter = "(objectClass=user)",
        GroupFilter = "(objectClass=group)",
        Timeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task ProxyAddresses_the_disabled_bit_sAMAccountName_and_group_members_come_through()
    {
        var snapshot = await new LdapDirectoryReader(Options(), new LdapConnectionDirectory(Options())).ReadAsync(CancellationToken.None);

        snapshot.Skipped.ShouldBeEmpty();
        var bob = snapshot.Users.Single(u => u.AccountName == "bjones");
        bob.Address.Value.ShouldBe("bob@example.test");
        bob.Aliases.Select(a => a.Value).ShouldBe(["bob.jones@example.test", "BJ@example.test"], ignoreOrder: true);
        bob.Disabled.ShouldBeFalse();
        snapshot.Users.Single(u => u.AccountName == "cgone").Disabled.ShouldBeTrue();
        snapshot.Users.Single(u => u.AccountName == "jsmith").Disabled.ShouldBeFalse();

        var staff = snapshot.Groups.ShouldHaveSingleItem();
        staff.Address.Value.ShouldBe("staff@example.test");
        var plan = LdapSyncPlanner.Plan(snapshot, new LdapDirectoryState([], [], [], ["example.test"]), createDomains: false);
        plan.Operations.OfType<Interchange.Storage.Accounts.EnsureGroup>().Single().Members.Select(m => m.Key)
            .ShouldBe(["bob@example.test", "john@example.test"], ignoreOrder: true); // "\2C" and "\," name the same DN
    }

    [Fact]
    public async Task Bind_authentication_with_the_AD_options()
    {
        var verifier = new LdapPasswordVerifier(Options(), new LdapConnectionDirectory(Options()));

        (await verifier.VerifyAsync("bob@example.test", "bjones-pw", default)).ShouldBe(ExternalPasswordResult.Verified);
        (await verifier.VerifyAsync("john@example.test", "jsmith-pw", default)).ShouldBe(ExternalPasswordResult.Verified); // a DN with an escaped comma
        (await verifier.VerifyAsync("bob@example.test", "jsmith-pw", default)).ShouldBe(ExternalPasswordResult.Rejected);
    }
}
