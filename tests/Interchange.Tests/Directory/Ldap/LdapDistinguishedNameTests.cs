using Interchange.Directory.Ldap;
using Shouldly;

namespace Interchange.Tests.Directory.Ldap;

public sealed class LdapDistinguishedNameTests
{
    [Theory]
    [InlineData("uid=alice,ou=people,dc=example,dc=test", "UID=Alice, OU=People, DC=example, DC=test")]
    [InlineData(@"cn=Smith\, John,ou=people,dc=example,dc=test", @"CN=smith\2C john,ou=people,dc=example,dc=test")]
    [InlineData(@"cn=a\+b,dc=test", @"cn=a\2bb,dc=test")]
    [InlineData("cn=Jürgen,dc=test", @"cn=J\c3\bcrgen,dc=test")]
    [InlineData("cn=x+sn=y,dc=test", "sn=y+cn=x,dc=test")]
    [InlineData(@"cn=trailing\ ,dc=test", @"cn=trailing\20,dc=test")]
    public void Spellings_of_one_DN_normalise_alike(string a, string b) =>
        LdapDistinguishedName.Normalize(a).ShouldBe(LdapDistinguishedName.Normalize(b));

    [Theory]
    [InlineData("cn=alice,dc=test", "cn=alicia,dc=test")]
    [InlineData(@"cn=Smith\, John,dc=test", "cn=Smith,cn=John,dc=test")]
    [InlineData(@"cn=a\2bb,dc=test", "cn=a,b=b,dc=test")]
    [InlineData(@"cn=trailing\ ,dc=test", "cn=trailing,dc=test")]
    public void Different_DNs_stay_different(string a, string b) =>
        LdapDistinguishedName.Normalize(a).ShouldNotBe(LdapDistinguishedName.Normalize(b));

    [Theory]
    [InlineData("no equals sign")]
    [InlineData(@"cn=dangling\")]
    [InlineData(@"cn=bad\4,dc=test")]
    [InlineData("=value,dc=test")]
    public void Malformed_DNs_do_not_normalise(string dn) =>
        LdapDistinguishedName.Normalize(dn).ShouldBeNull();

    [Theory]
    [InlineData("Smith, John", @"Smith\, John")]
    [InlineData(" lead", @"\ lead")]
    [InlineData("trail ", @"trail\ ")]
    [InlineData("#hash", @"\#hash")]
    [InlineData("a+b=c;d<e>f\"g\\h", @"a\+b=c\;d\<e\>f\""g\\h")]
    public void Values_are_escaped_as_RFC_4514_section_2_4_says(string value, string escaped)
    {
        LdapDistinguishedName.EscapeValue(value).ShouldBe(escaped);

        // and read back as the same value
        LdapDistinguishedName.Normalize("cn=" + escaped).ShouldBe("cn=" + LdapDistinguishedName.EscapeValue(value.ToLowerInvariant()));
    }
}
