using System.Net;
using Interchange.Directory.Security;
using Interchange.Storage.Accounts;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Directory.Security;

/// <summary>Users another system owns (LDAP) are checked by its verifier, under the same throttle, and remembered only for a bounded time.</summary>
public sealed class ExternalAuthenticationTests : IAsyncLifetime
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.20");
    private readonly FakeVerifier _verifier = new();
    private DirectoryTestEnvironment _env = null!;
    private Authenticator _authenticator = null!;

    public async Task InitializeAsync()
    {
        _env = await DirectoryTestEnvironment.CreateAsync();
        await _env.Service.AddDomainAsync("example.test");
        await _env.Service.AddUserAsync("local@example.test", "local-password");
        await _env.Store.ApplyAsync(new DirectoryBatch([new EnsureUser(0, "carol@example.test", "carol@example.test", "example.test", Source: "ldap")]));
        await _env.Watcher.PollAsync(CancellationToken.None);
        _verifier.Passwords["carol@example.test"] = "carol-1";
        _authenticator = new Authenticator(_env.Contexts, _env.Hasher, _env.Throttle, external: _verifier, clock: _env.Clock);
    }

    public async Task DisposeAsync() => await _env.DisposeAsync();

    private Task<AuthenticationResult> Login(string user, string password) => _authenticator.AuthenticateAsync(user, password, Client);

    [Fact]
    public async Task An_external_user_logs_in_with_the_password_the_other_system_accepts_and_never_with_a_stored_hash()
    {
        var result = await Login("carol@example.test", "carol-1");
        result.Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
        result.Session!.Context.Source.ShouldBe("ldap");
        result.Session.Dispose();

        (await Login("carol@example.test", "wrong")).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        _verifier.Calls.ShouldBe(2);

        // A local user is checked against the hash, never sent to the other system.
        (await Login("local@example.test", "local-password")).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
        _verifier.Calls.ShouldBe(2);
    }

    [Fact]
    public async Task A_verified_password_is_remembered_only_for_RememberFor_so_a_changed_one_stops_working_within_it()
    {
        (await Login("carol@example.test", "carol-1")).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
        (await Login("carol@example.test", "carol-1")).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
        _verifier.Calls.ShouldBe(1); // the second came from the remembered HMAC

        _verifier.Passwords["carol@example.test"] = "carol-2"; // changed in LDAP
        (await Login("carol@example.test", "carol-2")).Outcome.ShouldBe(AuthenticationOutcome.Succeeded); // the new one works at once
        _env.Clock.Advance(_verifier.RememberFor - TimeSpan.FromSeconds(1));
        (await Login("carol@example.test", "carol-2")).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
        _env.Clock.Advance(TimeSpan.FromSeconds(2));

        (await Login("carol@example.test", "carol-1")).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        _verifier.Calls.ShouldBe(3);
    }

    [Fact]
    public async Task A_directory_that_is_down_gives_a_temporary_failure_that_the_throttle_does_not_count()
    {
        _verifier.Down = true;
        for (var i = 0; i < _env.ThrottleOptions.MaxFailuresPerUserAndAddress + 2; i++)
        {
            (await Login("carol@example.test", "carol-1")).Outcome.ShouldBe(AuthenticationOutcome.TemporaryFailure);
        }

        _verifier.Down = false;
        (await Login("carol@example.test", "carol-1")).Outcome.ShouldBe(AuthenticationOutcome.Succeeded);
    }

    [Fact]
    public async Task Wrong_external_passwords_are_throttled_like_local_ones()
    {
        for (var i = 0; i < _env.ThrottleOptions.MaxFailuresPerUserAndAddress; i++)
        {
            (await Login("carol@example.test", "guess" + i)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
        }

        (await Login("carol@example.test", "carol-1")).Outcome.ShouldBe(AuthenticationOutcome.Throttled);
    }

    [Fact]
    public async Task A_verifier_that_throws_is_a_temporary_failure()
    {
        _verifier.Throw = true;
        (await Login("carol@example.test", "carol-1")).Outcome.ShouldBe(AuthenticationOutcome.TemporaryFailure);
    }

    private sealed class FakeVerifier : IExternalPasswordVerifier
    {
        private int _calls;

        public Dictionary<string, string> Passwords { get; } = new(StringComparer.OrdinalIgnoreCase);

        public bool Down { get; set; }

        public bool Throw { get; set; }

        public int Calls => Volatile.Read(ref _calls);

        public string Source => "ldap";

        public TimeSpan RememberFor => TimeSpan.FromMinutes(2);

        public Task<ExternalPasswordResult> VerifyAsync(string address, string password, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (Throw)
            {
                throw new InvalidOperationException("verifier bug");
            }

            return Task.FromResult(Down ? ExternalPasswordResult.Unavailable
                : Passwords.TryGetValue(address, out var right) && right == password ? ExternalPasswordResult.Verified
                : ExternalPasswordResult.Rejected);
        }
    }
}
