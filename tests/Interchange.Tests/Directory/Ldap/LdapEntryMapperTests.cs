using Interchange.Directory.Ldap;
using Shouldly;
using static Interchange.Tests.Directory.Ldap.FakeLdapDirectory;

namespace Interchange.Tests.Directory.Ldap;

public sealed class LdapEntryMapperTests
{
    private static readonly LdapOptions OpenLdap = new() { Url = "ldap://127.0.0.1", BaseDn = "dc=example,dc=test" };
    private static readonly LdapOptions ActiveDirectory = new() { Url = "ldap://127.0.0.1", BaseDn = "dc=example,dc=test", ActiveDirectory = true };

    [Fact]
    public void An_inetOrgPerson_gives_its_mail_and_alternate_addresses()
    {
        var user = new LdapEntryMapper(OpenLdap).MapUser(Entry("uid=alice,ou=people,dc=example,dc=test",
            ("mail", ["Alice@Example.TEST"]), ("mailAlternateAddress", ["ali@example.test", "alice@example.test", "not an address", "ALI@example.test"]), ("uid", ["alice"])), out var problem);

        problem.ShouldBeNull();
        user.ShouldNotBeNull();
        user.Address.Value.ShouldBe("Alice@example.test");
        user.AccountName.ShouldBe("alice");
        user.Disabled.ShouldBeFalse();
        user.Aliases.Select(a => a.Value).ShouldBe(["ali@example.test"]); // the primary again, a bad one and a duplicate left out
        user.NormalizedDn.ShouldBe("uid=alice,ou=people,dc=example,dc=test");
    }

    [Fact]
    public void ProxyAddresses_upper_case_SMTP_is_the_primary_lower_case_smtp_are_aliases_other_types_are_ignored()
    {
        var user = new LdapEntryMapper(ActiveDirectory).MapUser(Entry("CN=Bob Jones,OU=Staff,DC=example,DC=test",
            ("mail", ["bob.jones@example.test"]),
            ("proxyAddresses", ["smtp:bob.jones@example.test", "SMTP:bob@example.test", "smtp:bj@example.test", "X500:/o=Org/ou=Exchange/cn=bob", "sip:bob@example.test", "SMTP:second-primary@example.test"]),
            ("sAMAccountName", ["bjones"]), ("userAccountControl", ["512"])), out var problem);

        problem.ShouldBeNull();
        user.ShouldNotBeNull();
        user.Address.Value.ShouldBe("bob@example.test");
        user.AccountName.ShouldBe("bjones");
        user.Aliases.Select(a => a.Value).ShouldBe(["bob.jones@example.test", "bj@example.test", "second-primary@example.test"], ignoreOrder: true);
        user.Disabled.ShouldBeFalse();
    }

    [Theory]
    [InlineData("512", false)] // NORMAL_ACCOUNT
    [InlineData("514", true)] // NORMAL_ACCOUNT | ACCOUNTDISABLE
    [InlineData("66050", true)] // | DONT_EXPIRE_PASSWORD
    [InlineData("66048", false)]
    [InlineData("-2147483134", true)] // signed, as AD writes bit 31
    public void The_ACCOUNTDISABLE_bit_of_userAccountControl_disables(string control, bool disabled)
    {
        var user = new LdapEntryMapper(ActiveDirectory).MapUser(Entry("CN=x,DC=example,DC=test", ("proxyAddresses", ["SMTP:x@example.test"]), ("userAccountControl", [control])), out _);

        user.ShouldNotBeNull().Disabled.ShouldBe(disabled);
    }

    [Fact]
    public void Without_the_AD_options_userAccountControl_and_proxyAddresses_are_not_read()
    {
        var mapper = new LdapEntryMapper(OpenLdap);
        mapper.UserAttributes.ShouldBe(["mail", "mailAlternateAddress", "uid"]);
        var user = mapper.MapUser(Entry("uid=x,dc=example,dc=test", ("mail", ["x@example.test"]), ("proxyAddresses", ["SMTP:y@example.test"]), ("userAccountControl", ["514"])), out _);

        user.ShouldNotBeNull();
        user.Address.Value.ShouldBe("x@example.test");
        user.Disabled.ShouldBeFalse();
        user.Aliases.ShouldBeEmpty();
    }

    [Fact]
    public void Entries_without_a_usable_address_are_reported_not_synced()
    {
        var snapshot = new LdapEntryMapper(OpenLdap).Map(
            [Entry("uid=none,dc=example,dc=test", ("uid", ["none"])), Entry("uid=bad,dc=example,dc=test", ("mail", ["bad@@example"])), Entry("uid=ok,dc=example,dc=test", ("mail", ["ok@example.test"]))],
            [Entry("cn=nomail,dc=example,dc=test", ("member", ["uid=ok,dc=example,dc=test"]))]);

        snapshot.Users.Select(u => u.Address.Value).ShouldBe(["ok@example.test"]);
        snapshot.Groups.ShouldBeEmpty();
        snapshot.Skipped.Count.ShouldBe(3);
        snapshot.Skipped.ShouldContain(s => s.StartsWith("uid=none,dc=example,dc=test: no mail", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_userAccountControl_is_reported_rather_than_guessed()
    {
        var user = new LdapEntryMapper(ActiveDirectory).MapUser(Entry("CN=x,DC=example,DC=test", ("mail", ["x@example.test"]), ("userAccountControl", ["enabled"])), out var problem);

        user.ShouldBeNull();
        problem.ShouldNotBeNull().ShouldContain("userAccountControl");
    }

    [Fact]
    public void Group_members_are_kept_as_normalised_DNs()
    {
        var group = new LdapEntryMapper(OpenLdap).MapGroup(Entry("cn=staff,ou=groups,dc=example,dc=test",
            ("mail", ["staff@example.test"]), ("member", ["UID=Alice, OU=people, DC=example, DC=test", "not a dn"])), out var problem);

        problem.ShouldBeNull();
        group.ShouldNotBeNull().MemberDns.ShouldBe(["uid=alice,ou=people,dc=example,dc=test"]);
    }
}
