using System.Text.Json;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests;

/// <summary>
/// Issue 8 item 5: after <c>interchange user passwd</c> or <c>user disable</c> (another process),
/// every session of that user ends within 2 s, even one waiting in IDLE or between commands,
/// with its protocol's message. Each test logs in with its own user and measures the delay from
/// the admin command's exit to the close.
/// </summary>
public sealed class RevocationTests(DefaultLimitsFixture fixture, ITestOutputHelper output) : IClassFixture<DefaultLimitsFixture>
{
    private static readonly TimeSpan Promised = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Imap_a_session_in_IDLE_gets_BYE_after_user_passwd()
    {
        var result = await RunAsync("imap-idle", "imap", "idle@example.test", "passwd");
        result.Received.ShouldContain("* BYE");
    }

    [Fact]
    public async Task Imap_a_session_between_commands_gets_BYE_after_user_disable()
    {
        var result = await RunAsync("imap-between", "imap", "between@example.test", "disable");
        result.Received.ShouldContain("* BYE");
    }

    [Fact]
    public async Task Pop3_a_logged_in_session_gets_ERR_after_user_passwd()
    {
        var result = await RunAsync("pop3", "pop3", "pop@example.test", "passwd");
        result.Received.ShouldContain("-ERR");
    }

    [Fact]
    public async Task Submission_an_authenticated_session_gets_421_after_user_disable()
    {
        var result = await RunAsync("submission", "submission", "submit@example.test", "disable");
        result.Received.ShouldContain("421 4.7.0");
    }

    private sealed record Outcome(bool Closed, double Seconds, string Received);

    private async Task<Outcome> RunAsync(string mode, string protocol, string user, string change)
    {
        (await fixture.Cli(SessionLimitsFixture.Password + "\n", "user", "add", user, "--password-stdin")).ExitCode.ShouldBe(0);
        var command = change == "passwd"
            ? new[] { "user", "passwd", user }
            : new[] { "user", "disable", user };
        var arguments = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "Clients", "revocation.py"),
            mode,
            fixture.Port(protocol).ToString(System.Globalization.CultureInfo.InvariantCulture),
            user,
            SessionLimitsFixture.Password,
            "--",
            "dotnet",
        };
        arguments.AddRange(InterchangeBinary.Command([.. command, "--data", fixture.DataPath]));

        var run = await ExternalProcess.RunAsync("python3", arguments, timeout: TimeSpan.FromSeconds(90));
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run));
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        root.GetProperty("command").GetInt32().ShouldBe(0, root.GetProperty("command_output").GetString());
        var outcome = new Outcome(root.GetProperty("closed").GetBoolean(), root.GetProperty("seconds").GetDouble(), root.GetProperty("received").GetString()!);
        output.WriteLine($"{mode}: user {change}; closed={outcome.Closed} {outcome.Seconds:F3} s after the command returned; server sent: {outcome.Received.Trim()}");

        outcome.Closed.ShouldBeTrue($"the {mode} session must end when its user's credentials change (waited 5 s)");
        outcome.Seconds.ShouldBeLessThan(Promised.TotalSeconds);
        return outcome;
    }
}
