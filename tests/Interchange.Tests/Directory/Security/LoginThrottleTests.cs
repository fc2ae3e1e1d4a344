using System.Net;
using Interchange.Directory.Security;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Directory.Security;

/// <summary>Failed-login limits, exercised through the authenticator on a manual clock.</summary>
public sealed class LoginThrottleTests : IAsyncLifetime
{
    private const string Password = "right-password";
    private static readonly TimeSpan UserWindow = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan AddressWindow = TimeSpan.FromMinutes(5);
    private static readonly IPAddress Attacker = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress Neighbour = IPAddress.Parse("192.0.2.2");
    private DirectoryTestEnvironment _env = null!;

    public async Task InitializeAsync()
    {
        _env = await DirectoryTestEnvironment.CreateAsync(new LoginThrottleOptions
        {
            MaxFailuresPerUser = 3,
            UserWindow = UserWindow,
            MaxFailuresPerAddress = 5,
            AddressWindow = AddressWindow,
        });
        await _env.Service.AddDomainAsync("example.com");
        foreach (var user in new[] { "alice", "bob", "carol", "dave", "erin", "frank" })
        {
            await _env.Service.AddUserAsync($"{user}@example.com", Password);
        }
    }

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task After_too_many_failures_even_the_right_password_is_throttled_without_hashing()
    {
        for (var i = 0; i < 3; i++)
        {
            (await Login("alice", "wrong", Attacker)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        }

        var before = _env.Hasher.Computations;
        var result = await Login("alice", Password, Neighbour);

        result.Outcome.ShouldBe(AuthenticationOutcome.Throttled);
        result.Session.ShouldBeNull();
        result.RetryAfter.ShouldBe(UserWindow, "the clock has not moved since the window opened");
        (_env.Hasher.Computations - before).ShouldBe(0, "a throttled attempt must not cost a PBKDF2 computation");
    }

    [Fact]
    public async Task Below_the_limit_the_right_password_still_works()
    {
        (await Login("alice", "wrong", Attacker)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        (await Login("alice", "wrong", Attacker)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);

        (await Login("alice", Password, Attacker)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
    }

    [Fact]
    public async Task The_user_window_expires_on_the_clock()
    {
        for (var i = 0; i < 3; i++)
        {
            await Login("alice", "wrong", null);
        }

        _env.Clock.Advance(TimeSpan.FromMinutes(10));
        var stillBlocked = await Login("alice", Password, null);
        stillBlocked.Outcome.ShouldBe(AuthenticationOutcome.Throttled);
        stillBlocked.RetryAfter.ShouldBe(TimeSpan.FromMinutes(5));

        _env.Clock.Advance(TimeSpan.FromMinutes(5));
        (await Login("alice", Password, null)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
    }

    [Fact]
    public async Task Failures_from_one_address_across_users_throttle_that_address()
    {
        // Five failures from one address, no user reaching its own limit of three.
        foreach (var user in new[] { "bob", "bob", "carol", "carol", "nobody" })
        {
            (await Login(user, "wrong", Attacker)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        }

        var fromAttacker = await Login("alice", Password, Attacker);
        fromAttacker.Outcome.ShouldBe(AuthenticationOutcome.Throttled);
        fromAttacker.RetryAfter.ShouldBe(AddressWindow);

        (await Login("alice", Password, Neighbour)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
        (await Login("bob", Password, null)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);

        _env.Clock.Advance(AddressWindow);
        (await Login("alice", Password, Attacker)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.53")]
    [InlineData("::1")]
    public async Task Loopback_configured_as_a_trusted_proxy_is_exempt_from_the_address_limit(string loopback)
    {
        await using var env = await DirectoryTestEnvironment.CreateAsync(new LoginThrottleOptions
        {
            MaxFailuresPerUser = 3,
            MaxFailuresPerAddress = 5,
            TrustedProxies = ["127.0.0.0/8", "::1"],
        });
        await env.Service.AddDomainAsync("example.com");
        foreach (var user in new[] { "alice", "bob", "carol", "dave", "erin" })
        {
            await env.Service.AddUserAsync($"{user}@example.com", Password);
        }

        var local = IPAddress.Parse(loopback);
        foreach (var user in new[] { "bob", "bob", "carol", "carol", "dave", "dave", "erin", "erin" })
        {
            (await env.Authenticator.AuthenticateAsync($"{user}@example.com", "wrong", local)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        }

        (await env.Authenticator.AuthenticateAsync("alice@example.com", Password, local)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task Loopback_not_configured_as_a_trusted_proxy_is_subject_to_the_address_limit(string loopback)
    {
        // A local proxy is a choice, not a given: an attacker on the host is an attacker.
        var local = IPAddress.Parse(loopback);
        foreach (var user in new[] { "bob", "bob", "carol", "carol", "dave" })
        {
            (await Login(user, "wrong", local)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        }

        var refused = await Login("alice", Password, local);
        refused.Outcome.ShouldBe(AuthenticationOutcome.Throttled);
        refused.RetryAfter.ShouldBe(AddressWindow);
    }

    [Fact]
    public async Task Loopback_is_still_subject_to_the_user_limit()
    {
        for (var i = 0; i < 3; i++)
        {
            await Login("alice", "wrong", IPAddress.Loopback);
        }

        (await Login("alice", Password, IPAddress.Loopback)).Outcome.ShouldBe(AuthenticationOutcome.Throttled);
    }

    [Fact]
    public async Task The_real_users_login_does_not_give_a_guesser_elsewhere_a_new_batch()
    {
        // Two guesses (the limit is three), then the real user logs in from home.
        (await Login("alice", "wrong", Attacker)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        (await Login("alice", "wrong", Attacker)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        (await Login("alice", Password, Neighbour)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);

        // The guesser's third failure reaches the limit: the success elsewhere did not reset it.
        (await Login("alice", "wrong", Attacker)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        (await Login("alice", "another-guess", Attacker)).Outcome.ShouldBe(AuthenticationOutcome.Throttled);
    }

    [Fact]
    public async Task A_success_clears_the_failures_of_the_address_it_came_from_only()
    {
        await using var env = await DirectoryTestEnvironment.CreateAsync(new LoginThrottleOptions
        {
            MaxFailuresPerUser = 10,
            MaxFailuresPerUserAndAddress = 2,
            MaxFailuresPerAddress = 100,
        });
        await env.Service.AddDomainAsync("example.com");
        await env.Service.AddUserAsync("alice@example.com", Password);
        Task<AuthenticationResult> As(string password, IPAddress from) => env.Authenticator.AuthenticateAsync("alice@example.com", password, from);

        // The user's own typo at home, then the right password: home's count is cleared.
        (await As("typo", Neighbour)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        (await As(Password, Neighbour)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
        (await As("typo", Neighbour)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        (await As(Password, Neighbour)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded, "one failure since the success at home");

        // Two guesses from elsewhere close that pair, and home's success does not reopen it.
        (await As("guess-1", Attacker)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        (await As("guess-2", Attacker)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        (await As(Password, Neighbour)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded, "home is another pair");
        var refused = await As(Password, Attacker);
        refused.Outcome.ShouldBe(AuthenticationOutcome.Throttled, "the guessing address stays closed for this user");
        refused.RetryAfter.ShouldBe(UserWindow);

        env.Clock.Advance(UserWindow);
        (await As(Password, Attacker)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded, "the pair's window ended");
    }

    [Fact]
    public async Task One_users_failures_do_not_throttle_another_user()
    {
        for (var i = 0; i < 3; i++)
        {
            await Login("alice", "wrong", null);
        }

        (await Login("alice", Password, null)).Outcome.ShouldBe(AuthenticationOutcome.Throttled);
        (await Login("bob", Password, null)).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
    }

    [Fact]
    public void The_throttle_alone_counts_failures_per_user_in_a_fixed_window()
    {
        var clock = new ManualTimeProvider();
        var throttle = new LoginThrottle(new LoginThrottleOptions { MaxFailuresPerUser = 2, UserWindow = TimeSpan.FromMinutes(1) }, clock);

        throttle.RetryAfter("u", null).ShouldBeNull();
        throttle.RecordFailure("u", null);
        throttle.RetryAfter("u", null).ShouldBeNull();
        clock.Advance(TimeSpan.FromSeconds(20));
        throttle.RecordFailure("u", null);

        throttle.RetryAfter("u", null).ShouldBe(TimeSpan.FromSeconds(40));
        throttle.RetryAfter("v", null).ShouldBeNull();

        clock.Advance(TimeSpan.FromSeconds(40));
        throttle.RetryAfter("u", null).ShouldBeNull("the window has ended");
        throttle.RecordFailure("u", null);
        throttle.RetryAfter("u", null).ShouldBeNull("a failure after the window starts a new one");

        throttle.RecordFailure("u", null);
        throttle.RetryAfter("u", null).ShouldBe(TimeSpan.FromMinutes(1));
        throttle.RecordSuccess("u", null);
        throttle.RetryAfter("u", null).ShouldBe(TimeSpan.FromMinutes(1), "a success does not reset the user's count");
    }

    [Fact]
    public void The_throttle_alone_counts_per_user_and_address_and_a_success_clears_only_its_pair()
    {
        var clock = new ManualTimeProvider();
        var throttle = new LoginThrottle(new LoginThrottleOptions { MaxFailuresPerUser = 5, MaxFailuresPerUserAndAddress = 2, UserWindow = TimeSpan.FromMinutes(1), MaxFailuresPerAddress = 100 }, clock);

        throttle.RecordFailure("u", Attacker);
        throttle.RecordFailure("u", Attacker);
        throttle.RecordFailure("u", Neighbour);
        throttle.RetryAfter("u", Attacker).ShouldBe(TimeSpan.FromMinutes(1));
        throttle.RetryAfter("u", Neighbour).ShouldBeNull();
        throttle.RetryAfter("v", Attacker).ShouldBeNull("another user from the same address is another pair");

        throttle.RecordSuccess("u", Neighbour);
        throttle.RecordFailure("u", Neighbour);
        throttle.RetryAfter("u", Neighbour).ShouldBeNull("the success cleared the neighbour's pair");
        throttle.RecordSuccess("u", Neighbour);
        throttle.RetryAfter("u", Attacker).ShouldNotBeNull("and not the attacker's");

        // The user's count is not cleared: five failures from anywhere close the user to unknown
        // clients; the neighbour, known by its success, is held only to its own pair's limit.
        throttle.RecordFailure("u", IPAddress.Parse("198.51.100.7"));
        throttle.RetryAfter("u", IPAddress.Parse("198.51.100.8")).ShouldBe(TimeSpan.FromMinutes(1));
        throttle.RetryAfter("u", Neighbour).ShouldBeNull();
    }

    [Fact]
    public void Guesses_from_elsewhere_do_not_lock_the_real_user_out_of_a_client_it_logged_in_from()
    {
        var clock = new ManualTimeProvider();
        var throttle = new LoginThrottle(new LoginThrottleOptions { MaxFailuresPerUser = 3, MaxFailuresPerUserAndAddress = 2, UserWindow = TimeSpan.FromMinutes(15), KnownClientWindow = TimeSpan.FromHours(1) }, clock);
        throttle.RecordSuccess("u", Neighbour);

        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure("u", IPAddress.Parse($"198.51.100.{10 + i}"));
        }

        throttle.RetryAfter("u", Attacker).ShouldNotBeNull("the user's limit closes it to unknown clients");
        throttle.RetryAfter("u", Neighbour).ShouldBeNull("the client the user logged in from is not locked out");
        throttle.TryBeginCheck("u", Neighbour).ShouldBeTrue();
        throttle.EndCheck("u", Neighbour);

        // Still held to its own pair's limit, and known only for a while.
        throttle.RecordFailure("u", Neighbour);
        throttle.RecordFailure("u", Neighbour);
        throttle.RetryAfter("u", Neighbour).ShouldNotBeNull();
        clock.Advance(TimeSpan.FromMinutes(16));
        throttle.RecordSuccess("u", Neighbour);
        clock.Advance(TimeSpan.FromMinutes(61));
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure("u", IPAddress.Parse($"198.51.100.{20 + i}"));
        }

        throttle.RetryAfter("u", Neighbour).ShouldNotBeNull("the pair is no longer known");
    }

    [Fact]
    public void Parallel_checks_from_one_address_across_users_stay_under_the_address_limit()
    {
        var throttle = new LoginThrottle(new LoginThrottleOptions { MaxFailuresPerUser = 10, MaxFailuresPerAddress = 3 }, new ManualTimeProvider());

        var started = Enumerable.Range(0, 6).Count(i => throttle.TryBeginCheck($"user{i}", Attacker));

        started.ShouldBe(3, "running checks count against the address as failures would");
        throttle.TryBeginCheck("other", Neighbour).ShouldBeTrue("another address has its own share");
        throttle.EndCheck("user0", Attacker);
        throttle.TryBeginCheck("user9", Attacker).ShouldBeTrue("a finished check frees its share");
        throttle.RunningChecks("user5").ShouldBe(0, "a refused check leaves no count behind");
    }

    [Fact]
    public void The_throttle_alone_blocks_an_address_over_its_limit_whoever_the_user()
    {
        var clock = new ManualTimeProvider();
        var throttle = new LoginThrottle(new LoginThrottleOptions { MaxFailuresPerUser = 10, MaxFailuresPerAddress = 3, AddressWindow = TimeSpan.FromMinutes(2) }, clock);

        throttle.RecordFailure("u", Attacker);
        clock.Advance(TimeSpan.FromSeconds(20));
        throttle.RecordFailure("v", Attacker);
        throttle.RecordFailure("w", Attacker);

        // No user is near its own limit; the address is at its limit.
        throttle.RetryAfter("x", Attacker).ShouldBe(TimeSpan.FromSeconds(100));
        throttle.RetryAfter("x", Neighbour).ShouldBeNull();
        throttle.RetryAfter("x", null).ShouldBeNull();

        throttle.RecordSuccess("u", Neighbour);
        throttle.RetryAfter("u", Attacker).ShouldBe(TimeSpan.FromSeconds(100), "a success clears no address's count");
    }

    [Fact]
    public async Task Many_concurrent_logins_with_the_right_password_all_succeed_even_with_a_slow_hash()
    {
        // A hash slow enough that the logins overlap: 3 checks may run at once (the user's limit),
        // the other logins wait for them and then find the password already verified.
        await new Interchange.Directory.Administration.DirectoryService(_env.Store, new Interchange.Directory.Passwords.PasswordHasher(60_000), _env.Options)
            .AddUserAsync("slow@example.com", Password);
        await _env.Contexts.GetAsync("slow@example.com"); // loaded: the logins below run their checks on their own threads
        var before = _env.Hasher.Computations;

        var logins = AllAtOnce(24, _ => Login("slow", Password, Neighbour));

        logins.Select(l => l.Outcome).ShouldAllBe(o => o == AuthenticationOutcome.Succeeded);
        (_env.Hasher.Computations - before).ShouldBeInRange(1, 3, "at most the user's limit of checks ran; the rest reused the verified password");
        _env.Throttle.RunningChecks("slow@example.com").ShouldBe(0);
        foreach (var login in logins)
        {
            login.Session!.Dispose();
        }
    }

    [Fact]
    public async Task Parallel_guesses_cost_at_most_the_users_limit_of_checks_and_the_rest_are_throttled()
    {
        await new Interchange.Directory.Administration.DirectoryService(_env.Store, new Interchange.Directory.Passwords.PasswordHasher(60_000), _env.Options)
            .AddUserAsync("slow@example.com", Password);
        await _env.Contexts.GetAsync("slow@example.com"); // loaded: the logins below run their checks on their own threads
        var before = _env.Hasher.Computations;

        var guesses = AllAtOnce(24, i => Login("slow", $"guess-{i}", Attacker));

        guesses.Count(g => g.Outcome == AuthenticationOutcome.InvalidCredentials).ShouldBe(3, "only as many guesses as the limit were checked");
        guesses.Count(g => g.Outcome == AuthenticationOutcome.Throttled).ShouldBe(21);
        (_env.Hasher.Computations - before).ShouldBe(3);
        (await Login("slow", Password, Neighbour)).Outcome.ShouldBe(AuthenticationOutcome.Throttled, "and now even the right password waits out the window");
        _env.Throttle.RunningChecks("slow@example.com").ShouldBe(0);
    }

    /// <summary>Runs the logins on threads of their own released together, so they overlap even on two cores (the thread pool would run two at a time).</summary>
    private static AuthenticationResult[] AllAtOnce(int count, Func<int, Task<AuthenticationResult>> login)
    {
        var results = new AuthenticationResult[count];
        using var start = new Barrier(count);
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = login(i).GetAwaiter().GetResult();
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join(TimeSpan.FromSeconds(60)).ShouldBeTrue());
        return results;
    }

    private Task<AuthenticationResult> Login(string user, string password, IPAddress? client) =>
        _env.Authenticator.AuthenticateAsync(user.Contains('@') ? user : $"{user}@example.com", password, client);
}
