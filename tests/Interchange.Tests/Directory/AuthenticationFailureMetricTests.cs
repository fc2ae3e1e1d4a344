using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Directory;

/// <summary><c>interchange.auth.failures</c> counts each failed login once, tagged with why it failed.</summary>
public sealed class AuthenticationFailureMetricTests
{
    [Fact]
    public async Task A_wrong_password_and_an_unknown_user_count_under_their_reasons()
    {
        await using var env = await DirectoryTestEnvironment.CreateAsync();
        await env.Service.AddDomainAsync("example.test");
        await env.Service.AddUserAsync("alice@example.test", "right-password-1");
        using var failures = new MetricRecorder("interchange.auth.failures");

        (await env.Authenticator.AuthenticateAsync("alice@example.test", "wrong", System.Net.IPAddress.Loopback)).Outcome.ShouldBe(Interchange.Directory.Security.AuthenticationOutcome.InvalidCredentials);
        (await env.Authenticator.AuthenticateAsync("nobody@example.test", "x", System.Net.IPAddress.Loopback)).Outcome.ShouldBe(Interchange.Directory.Security.AuthenticationOutcome.InvalidCredentials);
        (await env.Authenticator.AuthenticateAsync("alice@example.test", "right-password-1", System.Net.IPAddress.Loopback)).Outcome.ShouldBe(Interchange.Directory.Security.AuthenticationOutcome.Succeeded);

        // At least: other tests fail logins in parallel through the same process-wide counter.
        failures.With("reason", "wrong_password").Sum(m => m.Value).ShouldBeGreaterThanOrEqualTo(1);
        failures.With("reason", "unknown_user").Sum(m => m.Value).ShouldBeGreaterThanOrEqualTo(1);
        failures.All.ShouldAllBe(m => m.Tags.ContainsKey("reason"));
    }
}
