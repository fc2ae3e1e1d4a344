using System.Net;
using Interchange.Directory.Security;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Directory.Security;

public sealed class AuthenticatorTests : IAsyncLifetime
{
    private const string AlicePassword = "alice-password-1";
    private const string BobPassword = "bob-password-1";
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private DirectoryTestEnvironment _env = null!;

    private Authenticator Authenticator => _env.Authenticator;

    public async Task InitializeAsync()
    {
        _env = await DirectoryTestEnvironment.CreateAsync();
        var service = _env.Service;
        await service.AddDomainAsync("example.com");
        await service.AddUserAsync("Alice@example.com", AlicePassword);
        await service.AddUserAsync("bob@example.com", BobPassword);
        await service.AddUserAsync("robot@example.com", null);
        await service.AddGroupAsync("devs@example.com");
        await service.AddGroupAsync("staff@example.com");
        await service.AddGroupAsync("other@example.com");
        await service.AddGroupMemberAsync("devs@example.com", "alice@example.com");
        await service.AddGroupMemberAsync("staff@example.com", "devs@example.com");
        await service.AddGroupMemberAsync("other@example.com", "bob@example.com");
        await service.AddAliasAsync("ali@example.com", "alice@example.com");
        await service.AddAliasAsync("sales@example.com", "alice@example.com");
        await service.AddAliasAsync("sales@example.com", "bob@example.com");
        await service.AddAliasAsync("indirect@example.com", "ali@example.com");
        await service.AddAliasAsync("@example.com", "alice@example.com");

        // The setup itself is not what the tests watch for.
        await _env.Watcher.PollAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task A_login_returns_a_session_on_a_context_with_the_users_identity_groups_and_addresses()
    {
        var result = await Login("alice@example.com", AlicePassword);

        result.Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
        result.Succeeded.ShouldBeTrue();
        result.RetryAfter.ShouldBeNull();
        using var session = result.Session.ShouldNotBeNull();
        var context = session.Context;
        context.UserKey.ShouldBe("alice@example.com");
        context.Address.ShouldBe("Alice@example.com");
        context.Groups.ShouldBe(["devs@example.com", "staff@example.com"], ignoreOrder: true);
        context.OwnedAddresses.ShouldBe(["Alice@example.com", "ali@example.com", "sales@example.com"], ignoreOrder: true);
        context.Rights.ShouldBe(UserRights.Login | UserRights.Submit);
        context.Disabled.ShouldBeFalse();
        context.IsStale.ShouldBeFalse();
        context.IsRevoked.ShouldBeFalse();
        context.ActiveSessions.ShouldBe(1);
    }

    [Fact]
    public async Task Any_spelling_of_the_user_name_reaches_the_same_context()
    {
        using var first = (await Login("alice@example.com", AlicePassword)).Session!;
        using var second = (await Login("  ALICE@Example.COM ", AlicePassword)).Session.ShouldNotBeNull();

        second.Context.ShouldBeSameAs(first.Context);
    }

    [Fact]
    public async Task Two_logins_of_one_user_share_one_context()
    {
        using var first = (await Login("alice@example.com", AlicePassword)).Session.ShouldNotBeNull();
        using var second = (await Login("alice@example.com", AlicePassword)).Session.ShouldNotBeNull();

        second.Context.ShouldBeSameAs(first.Context);
        first.Context.ActiveSessions.ShouldBe(2);
        _env.Contexts.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Concurrent_logins_of_one_user_all_succeed_on_one_context()
    {
        var logins = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => Login("alice@example.com", AlicePassword))));

        logins.ShouldAllBe(l => l.Succeeded);
        logins.Select(l => l.Session!.Context).Distinct().ShouldHaveSingleItem().ActiveSessions.ShouldBe(16);
        foreach (var login in logins)
        {
            login.Session!.Dispose();
        }

        logins[0].Session!.Context.ActiveSessions.ShouldBe(0);
    }

    [Fact]
    public async Task The_password_is_hashed_once_per_user_not_once_per_login()
    {
        var before = _env.Hasher.Computations;
        (await Login("alice@example.com", AlicePassword)).Succeeded.ShouldBeTrue();
        (_env.Hasher.Computations - before).ShouldBe(1);

        before = _env.Hasher.Computations;
        for (var i = 0; i < 10; i++)
        {
            (await Login("alice@example.com", AlicePassword)).Succeeded.ShouldBeTrue();
        }

        (_env.Hasher.Computations - before).ShouldBe(0);

        // Another user pays for their own first login.
        before = _env.Hasher.Computations;
        (await Login("bob@example.com", BobPassword)).Succeeded.ShouldBeTrue();
        (await Login("bob@example.com", BobPassword)).Succeeded.ShouldBeTrue();
        (_env.Hasher.Computations - before).ShouldBe(1);
    }

    [Fact]
    public async Task After_a_password_change_the_new_password_is_hashed_once_again_and_the_old_one_fails()
    {
        (await Login("alice@example.com", AlicePassword)).Succeeded.ShouldBeTrue();

        await _env.Service.SetPasswordAsync("alice@example.com", "alice-password-2");
        await _env.Watcher.PollAsync(CancellationToken.None);

        var before = _env.Hasher.Computations;
        (await Login("alice@example.com", "alice-password-2")).Succeeded.ShouldBeTrue();
        (_env.Hasher.Computations - before).ShouldBe(1);

        before = _env.Hasher.Computations;
        for (var i = 0; i < 10; i++)
        {
            (await Login("alice@example.com", "alice-password-2")).Succeeded.ShouldBeTrue();
        }

        (_env.Hasher.Computations - before).ShouldBe(0);
        (await Login("alice@example.com", AlicePassword)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
    }

    [Fact]
    public async Task A_wrong_password_fails_and_does_not_disturb_the_remembered_right_one()
    {
        using var session = (await Login("alice@example.com", AlicePassword)).Session!;

        var before = _env.Hasher.Computations;
        var wrong = await Login("alice@example.com", "not-her-password");
        (_env.Hasher.Computations - before).ShouldBe(1);

        wrong.Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        wrong.Session.ShouldBeNull();
        wrong.Succeeded.ShouldBeFalse();

        before = _env.Hasher.Computations;
        var right = await Login("alice@example.com", AlicePassword);
        (_env.Hasher.Computations - before).ShouldBe(0);
        right.Succeeded.ShouldBeTrue();
        right.Session!.Context.ShouldBeSameAs(session.Context);
        right.Session.Dispose();
    }

    [Fact]
    public async Task A_wrong_password_before_any_success_does_not_block_the_right_one()
    {
        (await Login("alice@example.com", "guess")).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);

        (await Login("alice@example.com", AlicePassword)).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public async Task Another_users_password_does_not_open_this_account()
    {
        (await Login("bob@example.com", BobPassword)).Succeeded.ShouldBeTrue();

        (await Login("alice@example.com", BobPassword)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
    }

    [Theory]
    [InlineData("nobody@example.com")]
    [InlineData("someone@elsewhere.example")]
    [InlineData("not an address at all")]
    public async Task An_unknown_user_gets_invalid_credentials_at_the_cost_of_one_computation(string userName)
    {
        var before = _env.Hasher.Computations;

        var result = await Login(userName, "whatever-password");

        result.Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        result.Session.ShouldBeNull();
        (_env.Hasher.Computations - before).ShouldBe(1);
        _env.Contexts.Count.ShouldBe(0, "an unknown name must not be cached");
    }

    [Fact]
    public async Task A_user_without_a_password_cannot_log_in()
    {
        (await Login("robot@example.com", "")).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        (await Login("robot@example.com", "anything-at-all")).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
    }

    [Fact]
    public async Task A_disabled_user_with_the_right_password_is_told_disabled()
    {
        await _env.Service.SetDisabledAsync("alice@example.com", true);
        await _env.Watcher.PollAsync(CancellationToken.None);

        var right = await Login("alice@example.com", AlicePassword);
        var wrong = await Login("alice@example.com", "not-her-password");

        right.Outcome.ShouldBe(AuthenticationOutcome.Disabled);
        right.Session.ShouldBeNull();
        wrong.Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials, "a wrong password must not reveal that the account is disabled");

        await _env.Service.SetDisabledAsync("alice@example.com", false);
        await _env.Watcher.PollAsync(CancellationToken.None);
        (await Login("alice@example.com", AlicePassword)).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public async Task Disabling_a_logged_in_user_revokes_the_sessions_context()
    {
        using var session = (await Login("alice@example.com", AlicePassword)).Session!;

        await _env.Service.SetDisabledAsync("alice@example.com", true);
        await _env.Watcher.PollAsync(CancellationToken.None);

        session.Context.IsRevoked.ShouldBeTrue();
    }

    [Fact]
    public async Task A_password_change_revokes_the_old_context_and_only_the_new_password_works()
    {
        using var session = (await Login("alice@example.com", AlicePassword)).Session!;
        var old = session.Context;

        await _env.Service.SetPasswordAsync("alice@example.com", "alice-password-2");
        old.IsRevoked.ShouldBeFalse("nothing has been told yet");
        await _env.Watcher.PollAsync(CancellationToken.None);

        old.IsRevoked.ShouldBeTrue();
        old.IsStale.ShouldBeTrue();
        (await Login("alice@example.com", AlicePassword)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        using var fresh = (await Login("alice@example.com", "alice-password-2")).Session.ShouldNotBeNull();
        fresh.Context.ShouldNotBeSameAs(old);
        fresh.Context.IsRevoked.ShouldBeFalse();
        fresh.Context.CredentialVersion.ShouldBeGreaterThan(old.CredentialVersion);
    }

    [Fact]
    public async Task A_revocation_reaches_a_context_already_dropped_as_stale()
    {
        using var session = (await Login("alice@example.com", AlicePassword)).Session!;
        var oldest = session.Context;
        await _env.Service.AddAliasAsync("alias2@example.com", "alice@example.com");
        await _env.Watcher.PollAsync(CancellationToken.None);
        oldest.IsStale.ShouldBeTrue();
        using var newer = (await Login("alice@example.com", AlicePassword)).Session!;

        await _env.Service.SetPasswordAsync("alice@example.com", "alice-password-2");
        await _env.Watcher.PollAsync(CancellationToken.None);

        oldest.IsRevoked.ShouldBeTrue();
        newer.Context.IsRevoked.ShouldBeTrue();
    }

    [Fact]
    public async Task An_alias_change_makes_the_context_stale_but_does_not_end_sessions()
    {
        using var session = (await Login("alice@example.com", AlicePassword)).Session!;
        var old = session.Context;
        using var bobSession = (await Login("bob@example.com", BobPassword)).Session!;

        await _env.Service.AddAliasAsync("alice.smith@example.com", "alice@example.com");
        await _env.Watcher.PollAsync(CancellationToken.None);

        old.IsStale.ShouldBeTrue();
        old.IsRevoked.ShouldBeFalse();
        old.OwnedAddresses.ShouldNotContain("alice.smith@example.com", "a holder keeps the snapshot it was given");
        bobSession.Context.IsStale.ShouldBeFalse("only the alias's target is affected");

        using var fresh = (await Login("alice@example.com", AlicePassword)).Session!;
        fresh.Context.ShouldNotBeSameAs(old);
        fresh.Context.OwnedAddresses.ShouldContain("alice.smith@example.com");
    }

    [Fact]
    public async Task A_group_change_makes_every_context_stale_and_revokes_none()
    {
        using var alice = (await Login("alice@example.com", AlicePassword)).Session!;
        using var bob = (await Login("bob@example.com", BobPassword)).Session!;

        await _env.Service.AddGroupMemberAsync("other@example.com", "alice@example.com");
        await _env.Watcher.PollAsync(CancellationToken.None);

        alice.Context.IsStale.ShouldBeTrue();
        bob.Context.IsStale.ShouldBeTrue();
        alice.Context.IsRevoked.ShouldBeFalse();
        bob.Context.IsRevoked.ShouldBeFalse();
        _env.Contexts.Count.ShouldBe(0);
        using var fresh = (await Login("alice@example.com", AlicePassword)).Session!;
        fresh.Context.Groups.ShouldContain("other@example.com");
    }

    [Fact]
    public async Task Removing_a_user_revokes_its_context_and_its_logins_fail()
    {
        using var session = (await Login("bob@example.com", BobPassword)).Session!;

        await _env.Service.RemoveUserAsync("bob@example.com");
        await _env.Watcher.PollAsync(CancellationToken.None);

        session.Context.IsRevoked.ShouldBeTrue();
        (await Login("bob@example.com", BobPassword)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
    }

    [Fact]
    public async Task Force_removing_a_domain_ends_the_sessions_of_the_users_it_removed()
    {
        using var session = (await Login("bob@example.com", BobPassword)).Session!;

        await _env.Service.RemoveDomainAsync("example.com", force: true);
        await _env.Watcher.PollAsync(CancellationToken.None);

        (await Login("bob@example.com", BobPassword)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        session.Context.IsRevoked.ShouldBeTrue("the user no longer exists: DirectoryChangeScope.Credentials says its sessions must end");
    }

    [Fact]
    public async Task Disposing_a_session_twice_closes_it_once()
    {
        var first = (await Login("alice@example.com", AlicePassword)).Session!;
        var second = (await Login("alice@example.com", AlicePassword)).Session!;
        first.Context.ActiveSessions.ShouldBe(2);

        first.Dispose();
        first.Dispose();

        second.Context.ActiveSessions.ShouldBe(1);
        second.Dispose();
        second.Context.ActiveSessions.ShouldBe(0);
    }

    private Task<AuthenticationResult> Login(string user, string password) =>
        Authenticator.AuthenticateAsync(user, password, Client);
}
