using Interchange.Directory.Ldap;
using Interchange.Directory.Security;
using Shouldly;
using static Interchange.Tests.Directory.Ldap.FakeLdapDirectory;

namespace Interchange.Tests.Directory.Ldap;

public sealed class LdapPasswordVerifierTests
{
    private const string AliceDn = "uid=alice,ou=people,dc=example,dc=test";
    private readonly LdapOptions _options = new() { Url = "ldap://127.0.0.1", BaseDn = "dc=example,dc=test" };
    private readonly FakeLdapDirectory _ldap = new();

    public LdapPasswordVerifierTests()
    {
        _ldap.Passwords[AliceDn] = "right";
        _ldap.Search = filter => filter == "(&(objectClass=inetOrgPerson)(mail=alice@example.test))" ? [Entry(AliceDn)] : [];
    }

    private LdapPasswordVerifier Verifier() => new(_options, _ldap);

    [Fact]
    public async Task The_password_is_checked_by_binding_as_the_DN_the_mail_search_found()
    {
        (await Verifier().VerifyAsync("alice@example.test", "right", default)).ShouldBe(ExternalPasswordResult.Verified);
        (await Verifier().VerifyAsync("alice@example.test", "wrong", default)).ShouldBe(ExternalPasswordResult.Rejected);
        _ldap.BoundDns.ShouldBe([AliceDn, AliceDn]);
    }

    [Fact]
    public async Task An_empty_password_is_refused_without_a_bind_which_would_be_unauthenticated()
    {
        (await Verifier().VerifyAsync("alice@example.test", "", default)).ShouldBe(ExternalPasswordResult.Rejected);
        _ldap.BoundDns.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_user_ldap_no_longer_has_or_that_matches_several_entries_is_refused()
    {
        (await Verifier().VerifyAsync("gone@example.test", "right", default)).ShouldBe(ExternalPasswordResult.Rejected);
        _ldap.Search = _ => [Entry(AliceDn), Entry("uid=other,dc=example,dc=test")];
        (await Verifier().VerifyAsync("alice@example.test", "right", default)).ShouldBe(ExternalPasswordResult.Rejected);
        _ldap.BoundDns.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_directory_that_does_not_answer_is_unavailable_not_a_wrong_password()
    {
        _ldap.Down = true;
        (await Verifier().VerifyAsync("alice@example.test", "right", default)).ShouldBe(ExternalPasswordResult.Unavailable);
    }

    [Fact]
    public void The_address_in_the_search_filter_is_escaped()
    {
        Verifier().FilterFor("*)(uid=*").ShouldBe(@"(&(objectClass=inetOrgPerson)(mail=\2a\29\28uid=\2a))");
        new LdapPasswordVerifier(new LdapOptions { Url = "ldap://x", BaseDn = "dc=x", ActiveDirectory = true, UserFilter = "(objectClass=user)" }, _ldap)
            .FilterFor("a*b@example.test").ShouldBe(@"(&(objectClass=user)(|(mail=a\2ab@example.test)(proxyAddresses=SMTP:a\2ab@example.test)))");
    }
}
