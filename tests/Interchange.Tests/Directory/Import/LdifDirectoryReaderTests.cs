using Interchange.Directory.Import;
using Interchange.Storage.Accounts;
using Shouldly;

namespace Interchange.Tests.Directory.Import;

public sealed class LdifDirectoryReaderTests
{
    private static async Task<List<ImportEntry>> Read(string text)
    {
        var entries = new List<ImportEntry>();
        await foreach (var entry in new LdifDirectoryReader(new StringReader(text)).ReadAsync(CancellationToken.None))
        {
            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>The shapes slapcat writes for a small mail directory, with a nested group listed before its member group.</summary>
    private const string OpenLdapExport = """
        dn: dc=example,dc=org
        objectClass: top
        objectClass: dcObject
        objectClass: organization
        o: Example
        dc: example

        dn: ou=people,dc=example,dc=org
        objectClass: organizationalUnit
        ou: people

        dn: cn=all,ou=groups,dc=example,dc=org
        objectClass: groupOfNames
        cn: all
        mail: all@example.org
        member: cn=staff,ou=groups,dc=example,dc=org
        member: uid=carol,ou=people,dc=example,dc=org

        dn: uid=alice,ou=people,dc=example,dc=org
        objectClass: inetOrgPerson
        uid: alice
        cn: Alice
        sn: Liddell
        mail: alice@example.org
        mailAlternateAddress: a.liddell@example.org
        userPassword:: e1NTSEF9bUNMRnBMQURpNmI1RnJCZVFUV1prNXNiT1pLMEtrT3k=

        dn: cn=staff,ou=groups,dc=example,dc=org
        objectClass: groupOfUniqueNames
        cn: staff
        mail: staff@example.org
        uniqueMember: UID=alice, OU=people, DC=example, DC=org#'0101'B
        uniqueMember: uid=ghost,ou=people,dc=example,dc=org

        dn: uid=carol,ou=people,dc=example,dc=org
        objectClass: person
        objectClass: posixAccount
        uid: carol
        cn: Carol
        sn: C
        mail: Carol@Example.org

        dn: uid=nomail,ou=people,dc=example,dc=org
        objectClass: inetOrgPerson
        uid: nomail
        cn: x
        sn: y

        dn: cn=postmaster,ou=aliases,dc=example,dc=org
        objectClass: nisMailAlias
        cn: postmaster
        rfc822MailMember: alice
        rfc822MailMember: staff@example.org
        """;

    [Fact]
    public async Task OpenLdap_shapes_become_domains_users_aliases_and_groups_with_members_resolved()
    {
        var entries = await Read(OpenLdapExport);

        var good = entries.Where(e => e.Error is null).ToList();
        good.Select(e => (e.Kind, e.Address)).ShouldBe(
        [
            (ImportEntryKind.Domain, "example.org"),
            (ImportEntryKind.User, "alice@example.org"),
            (ImportEntryKind.Alias, "a.liddell@example.org"),
            (ImportEntryKind.User, "Carol@Example.org"),
            (ImportEntryKind.Group, "all@example.org"),    // first empty: nesting works in any order
            (ImportEntryKind.Group, "staff@example.org"),
            (ImportEntryKind.Alias, "postmaster@example.org"),
            (ImportEntryKind.Group, "all@example.org"),    // then with members
            (ImportEntryKind.Group, "staff@example.org"),
        ]);
        good[1].PasswordHash.ShouldBe("{SSHA}mCLFpLADi6b5FrBeQTWZk5sbOZK0KkOy");
        good[2].Targets.ShouldBe(["alice@example.org"]);
        good[4].Targets.ShouldBeEmpty();
        good[6].Targets.ShouldBe(["alice@example.org", "staff@example.org"]);
        good[7].Targets.ShouldBe(["staff@example.org", "Carol@Example.org"]);
        good[8].Targets.ShouldBe(["alice@example.org"]);
        good[8].Warnings.ShouldNotBeNull().ShouldHaveSingleItem().ShouldContain("uid=ghost");
        good[8].Line.ShouldBe(28);

        var bad = entries.Single(e => e.Error is not null);
        bad.Error.ShouldNotBeNull().ShouldContain("no mail");
        bad.Line.ShouldBe(43);
    }

    [Fact]
    public async Task Interchange_attributes_carry_disabled_and_role()
    {
        var entries = await Read("dn: uid=a,dc=x\nobjectClass: inetOrgPerson\nmail: a@x.example\ninterchangeDisabled: TRUE\ninterchangeRole: admin\n");
        entries.ShouldHaveSingleItem().Disabled.ShouldBe(true);
        entries[0].Role.ShouldBe(UserRole.Admin);
    }

    [Theory]
    [InlineData("cn=A\\, B,dc=example,dc=org", "cn=a, b,dc=example,dc=org")]
    [InlineData("CN = x , DC=Example", "cn=x,dc=example")]
    public void Dns_compare_without_case_and_spaces(string dn, string normalised) =>
        LdifDirectoryReader.NormalizeDn(dn).ShouldBe(normalised);
}
