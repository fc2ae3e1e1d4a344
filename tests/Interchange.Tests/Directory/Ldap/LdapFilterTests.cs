using Interchange.Directory.Ldap;
using Shouldly;

namespace Interchange.Tests.Directory.Ldap;

public sealed class LdapFilterTests
{
    [Theory]
    [InlineData("alice@example.test", "alice@example.test")]
    [InlineData("*", @"\2a")]
    [InlineData("a(b)c", @"a\28b\29c")]
    [InlineData(@"back\slash", @"back\5cslash")]
    [InlineData("nul\0byte", @"nul\00byte")]
    [InlineData("jürgen@example.test", "jürgen@example.test")]
    public void Assertion_values_are_escaped_as_RFC_4515_section_3_says(string value, string escaped) =>
        LdapFilter.EscapeValue(value).ShouldBe(escaped);

    [Fact]
    public void An_injection_attempt_stays_one_equality_assertion()
    {
        // Unescaped, this would become (&(objectClass=inetOrgPerson)(mail=*)(uid=*)) : every entry.
        var filter = LdapFilter.And("(objectClass=inetOrgPerson)", LdapFilter.Equality("mail", "*)(uid=*"));

        filter.ShouldBe(@"(&(objectClass=inetOrgPerson)(mail=\2a\29\28uid=\2a))");
        filter.Count(c => c == '(').ShouldBe(3);
        LdapFilter.LooksBalanced(filter).ShouldBeTrue();
    }

    [Theory]
    [InlineData("(objectClass=inetOrgPerson)", true)]
    [InlineData("(|(objectClass=groupOfNames)(objectClass=group))", true)]
    [InlineData(@"(cn=a\29b)", true)]
    [InlineData("objectClass=inetOrgPerson", false)]
    [InlineData("(objectClass=inetOrgPerson", false)]
    [InlineData("(a=b))(c=d", false)]
    [InlineData("(a=b)(c=d)", false)]
    [InlineData("", false)]
    public void A_configured_filter_must_be_one_balanced_expression(string filter, bool ok) =>
        LdapFilter.LooksBalanced(filter).ShouldBe(ok);
}
