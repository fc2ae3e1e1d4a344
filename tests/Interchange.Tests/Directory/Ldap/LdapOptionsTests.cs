using Interchange.Directory.Ldap;
using Shouldly;

namespace Interchange.Tests.Directory.Ldap;

public sealed class LdapOptionsTests
{
    [Fact]
    public void Off_unless_a_url_is_set_and_then_nothing_to_check()
    {
        var options = new LdapOptions();
        options.Enabled.ShouldBeFalse();
        options.Validate().ShouldBeEmpty();
    }

    [Fact]
    public void Urls_are_tried_in_order_with_their_default_ports()
    {
        var options = new LdapOptions { Url = "ldap://ldap1.example.com  ldaps://ldap2.example.com, ldap://[::1]:3890/", BaseDn = "dc=example,dc=com" };

        options.Servers().ShouldBe(
        [
            new LdapServerAddress("ldap1.example.com", 389, false),
            new LdapServerAddress("ldap2.example.com", 636, true),
            new LdapServerAddress("::1", 3890, false),
        ]);
        options.Validate().ShouldBeEmpty();
    }

    [Theory]
    [InlineData("http://ldap.example.com", "Url")]
    [InlineData("ldap://ldap.example.com/dc=example,dc=com", "Url")]
    [InlineData("ldap://user@ldap.example.com", "Url")]
    public void A_url_that_is_not_just_a_server_is_refused(string url, string key) =>
        new LdapOptions { Url = url, BaseDn = "dc=x" }.Validate().ShouldContain(p => p.Contains(key, StringComparison.Ordinal));

    [Fact]
    public void Settings_that_cannot_work_are_each_reported()
    {
        var problems = new LdapOptions
        {
            Url = "ldap://x",
            BaseDn = "",
            UserFilter = "objectClass=person",
            PageSize = 0,
            Timeout = TimeSpan.Zero,
            SyncInterval = TimeSpan.Zero,
            PasswordCacheTime = TimeSpan.FromSeconds(-1),
            BindPasswordFile = "/nonexistent/ldap-password",
        }.Validate();

        problems.Count.ShouldBe(7);
    }

    [Fact]
    public void ActiveDirectory_switches_the_attribute_names_it_has_not_been_given()
    {
        var options = new LdapOptions { ActiveDirectory = true };
        (options.EffectiveAccountNameAttribute, options.EffectiveProxyAddressesAttribute, options.EffectiveUserAccountControlAttribute)
            .ShouldBe(("sAMAccountName", "proxyAddresses", "userAccountControl"));

        options.AccountNameAttribute = "userPrincipalName";
        options.EffectiveAccountNameAttribute.ShouldBe("userPrincipalName");
    }
}
