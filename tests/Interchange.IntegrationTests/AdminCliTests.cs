using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>The admin CLI on a data folder, alone and beside a running server.</summary>
public sealed class AdminCliTests : IAsyncLifetime
{
    private readonly ScratchFolder _data = new();

    public async Task InitializeAsync()
    {
        // Create the store the way an administrator does: one start of the server.
        await using var server = await ServerProcess.StartAsync(_data.Path, ["http"]);
        server.Terminate();
        (await server.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
    }

    public Task DisposeAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Domains_AddListRemove_WithClearErrors()
    {
        (await Cli(null, "domain", "add", "Bücher.Example")).ShouldSucceed("added domain xn--bcher-kva.example");
        (await Cli(null, "domain", "add", "xn--bcher-kva.example.")).ShouldFail(1, "already exists");
        (await Cli(null, "domain", "add", "-bad-.example")).ShouldFail(2, "not a valid domain name");
        (await Cli(null, "domain", "list")).ShouldSucceed("xn--bcher-kva.example");

        (await Cli("secret-password\n", "user", "add", "anna@bücher.example", "--password-stdin")).ShouldSucceed("added user anna@xn--bcher-kva.example");
        (await Cli(null, "domain", "remove", "bücher.example")).ShouldFail(1, "still has 1");
        (await Cli(null, "domain", "remove", "bücher.example", "--force")).ShouldSucceed("removed domain");
        (await Cli(null, "domain", "remove", "bücher.example")).ShouldFail(1, "does not exist");
    }

    [Fact]
    public async Task Users_AddListPasswdDisableEnableRemove()
    {
        await Cli(null, "domain", "add", "example.test");
        (await Cli("long-enough-pass\n", "user", "add", "Alice@Example.TEST", "--password-stdin")).ShouldSucceed("added user Alice@example.test");
        var generated = await Cli(null, "user", "add", "bob@example.test");
        generated.ShouldSucceed("password for bob@example.test: ");
        (await Cli(null, "user", "add", "ALICE@example.test")).ShouldFail(1, "already exists");
        (await Cli(null, "user", "add", "carol@nowhere.test")).ShouldFail(1, "not a local domain");
        (await Cli(null, "user", "add", "no-at-sign")).ShouldFail(2, "local@domain");
        (await Cli("short\n", "user", "add", "dave@example.test", "--password-stdin")).ShouldFail(2, "shorter than 8");
        (await Cli("", "user", "add", "erin@example.test", "--password-stdin")).ShouldFail(2, "no password line");

        (await Cli("another-long-pass\n", "user", "passwd", "alice@example.test", "--password-stdin")).ShouldSucceed("password changed");
        (await Cli(null, "user", "passwd", "zed@example.test")).ShouldFail(1, "does not exist");
        (await Cli(null, "user", "disable", "alice@example.test")).ShouldSucceed("disabled");
        (await Cli(null, "user", "list", "--domain", "example.test")).Stdout.ShouldContain("Alice@example.test  disabled");
        (await Cli(null, "user", "enable", "alice@example.test")).ShouldSucceed("enabled");
        (await Cli(null, "user", "remove", "bob@example.test")).ShouldSucceed("removed user");
        var list = await Cli(null, "user", "list", "--domain", "example.test");
        list.Stdout.ShouldNotContain("bob@");
        list.Stdout.ShouldContain("Alice@example.test  enabled");
    }

    [Fact]
    public async Task AliasesAndGroups_NestCatchAllAndRefuseCycles()
    {
        await Cli(null, "domain", "add", "example.test");
        await Cli(null, "user", "add", "ann@example.test");
        await Cli(null, "user", "add", "ben@example.test");
        (await Cli(null, "alias", "add", "sales@example.test", "ann@example.test")).ShouldSucceed("alias sales@example.test -> ann@example.test");
        (await Cli(null, "alias", "add", "sales@example.test", "partner@remote.test")).ShouldSucceed("-> partner@remote.test");
        (await Cli(null, "alias", "add", "@example.test", "ben@example.test")).ShouldSucceed("alias @example.test");
        (await Cli(null, "alias", "add", "x@example.test", "ghost@example.test")).ShouldFail(1, "no user, alias or group");
        (await Cli(null, "alias", "add", "ann@example.test", "ben@example.test")).ShouldFail(1, "already a user");
        (await Cli(null, "alias", "list")).Stdout.ShouldContain("sales@example.test  ann@example.test, partner@remote.test");

        (await Cli(null, "group", "add", "team@example.test")).ShouldSucceed("added group team@example.test");
        (await Cli(null, "group", "add", "all@example.test")).ShouldSucceed("added group");
        (await Cli(null, "group", "member", "add", "team@example.test", "ann@example.test")).ShouldSucceed("added ann@example.test to team@example.test");
        (await Cli(null, "group", "member", "add", "all@example.test", "team@example.test")).ShouldSucceed("added");
        (await Cli(null, "group", "member", "add", "team@example.test", "all@example.test")).ShouldFail(1, "cycle");
        (await Cli(null, "group", "member", "add", "team@example.test", "team@example.test")).ShouldFail(1, "itself");
        (await Cli(null, "group", "member", "add", "team@example.test", "ann@example.test")).ShouldFail(1, "already a member");
        (await Cli(null, "group", "list")).Stdout.ShouldContain("all@example.test   team@example.test");
        (await Cli(null, "group", "member", "remove", "team@example.test", "ann@example.test")).ShouldSucceed("removed");
        (await Cli(null, "group", "member", "remove", "team@example.test", "ann@example.test")).ShouldFail(1, "not a member");
        (await Cli(null, "alias", "remove", "sales@example.test", "partner@remote.test")).ShouldSucceed("removed alias");
        (await Cli(null, "group", "remove", "all@example.test")).ShouldSucceed("removed group");
    }

    [Fact]
    public async Task UsageErrors_ExitTwo_HelpExitsZero_MissingStoreExitsOne()
    {
        (await Cli(null, "user", "frobnicate")).ExitCode.ShouldBe(2);
        (await Cli(null, "user", "add")).ExitCode.ShouldBe(2);
        foreach (var command in new[] { "serve", "domain", "user", "alias", "group" })
        {
            var help = await ExternalProcess.RunAsync("dotnet", InterchangeBinary.Command(command, "--help"));
            help.ExitCode.ShouldBe(0);
            help.Stdout.ShouldContain("Usage:");
        }

        using var empty = new ScratchFolder();
        var missing = await InterchangeBinary.CliAsync(empty.Path, null, "user", "list");
        missing.ExitCode.ShouldBe(1);
        missing.Stderr.ShouldContain("no Interchange store");
    }

    [Fact]
    public async Task ChangesMadeWithTheCli_ReachARunningServer()
    {
        await using var server = await ServerProcess.StartAsync(_data.Path, ["http"]);
        await Cli(null, "domain", "add", "example.test");
        await Cli(null, "user", "add", "live@example.test");

        // Waited for with a bound, not timed: the server polls the change log every second, and a
        // wall-clock limit here also measured the CLI's process start on a loaded machine.
        (await Cli("brand-new-password\n", "user", "passwd", "live@example.test", "--password-stdin")).ShouldSucceed("password changed");
        var line = await server.WaitForLogAsync(l => l.Contains("password changed (live@example.test)", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        line.ShouldContain("Directory change");

        (await Cli(null, "user", "disable", "live@example.test")).ShouldSucceed("disabled");
        await server.WaitForLogAsync(l => l.Contains("user disabled (live@example.test)", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task MessageList_ShowsDateWithZone_FromAndSubject_AndRefusesUnknownUsersAndMailboxes()
    {
        // The server and the admin commands read the primary domain from the same configuration file.
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "interchange.json"), """{ "PrimaryDomain": "primary.test" }""");
        await using var server = await ServerProcess.StartAsync(_data.Path, ["smtp"]);
        await Cli(null, "domain", "add", "primary.test");
        await Cli(null, "domain", "add", "example.test");
        await Cli(null, "user", "add", "reader@example.test");
        var sent = await ExternalProcess.PythonAsync($$"""
            import smtplib
            from email.message import EmailMessage
            m = EmailMessage()
            m["From"] = "Zoë Sender <zoe@remote.test>"
            m["To"] = "reader@example.test"
            m["Subject"] = "Café \x1b[31m menu"
            m.set_content("hello")
            with smtplib.SMTP("127.0.0.1", {{server.Port("smtp")}}, timeout=20) as s:
                s.send_message(m)
            """);
        sent.ExitCode.ShouldBe(0, ExternalProcess.Describe(sent));

        ExternalProcess.Result list = null!;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            list = await Cli(null, "message", "list", "reader@example.test");
            if (list.Stdout.Contains("Café", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100);
        }

        list.ShouldSucceed("Zoë Sender <zoe@remote.test>");
        list.Stdout.ShouldContain("Café ?[31m menu", Case.Sensitive, "the subject decoded, its escape sequence made harmless");
        list.Stdout.ShouldMatch(@"(?m)^UID +SIZE +RECEIVED +FLAGS +FROM +SUBJECT$");
        list.Stdout.ShouldMatch(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d", "the received time carries its zone");

        (await Cli(null, "message", "list", "nobody@example.test")).ShouldFail(1, "nobody@example.test is not a user");
        await Cli(null, "user", "add", "new@example.test");
        (await Cli(null, "message", "list", "new@example.test")).ShouldSucceed("(none)");
        (await Cli(null, "message", "list", "reader@example.test", "--mailbox", "Nonexistent")).ShouldFail(1, "has no mailbox Nonexistent");
        (await Cli(null, "mailbox", "list", "nobody@example.test")).ShouldFail(1, "is not a user");
        (await Cli(null, "message", "show", "nobody@example.test", "1")).ShouldFail(1, "is not a user");

        (await Cli(null, "alias", "add", "info@example.test", "reader@example.test")).ShouldSucceed("alias info@example.test");
        (await Cli(null, "user", "add", "info@example.test")).ShouldFail(1, "already exists (as an alias)");
        (await Cli(null, "alias", "add", "reader@example.test", "info@example.test")).ShouldFail(1, "is already a user");

        var domains = await Cli(null, "domain", "list");
        domains.Stdout.ShouldMatch(@"(?m)^primary\.test \(primary\) ");
        domains.Stdout.ShouldMatch(@"(?m)^example\.test +\d+ ");
        domains.Stdout.ShouldNotContain("example.test (primary)");
    }

    private Task<ExternalProcess.Result> Cli(string? stdin, params string[] arguments) => InterchangeBinary.CliAsync(_data.Path, stdin, arguments);
}

internal static class CliAssertions
{
    public static void ShouldSucceed(this ExternalProcess.Result result, string expectedOutput)
    {
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        result.Stdout.ShouldContain(expectedOutput, Case.Sensitive, ExternalProcess.Describe(result));
    }

    public static void ShouldFail(this ExternalProcess.Result result, int exitCode, string expectedError)
    {
        result.ExitCode.ShouldBe(exitCode, ExternalProcess.Describe(result));
        result.Stderr.ShouldContain(expectedError, Case.Sensitive, ExternalProcess.Describe(result));
    }
}
