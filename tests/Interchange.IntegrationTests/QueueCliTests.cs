using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// <c>interchange queue list|show|retry|hold|release|delete|bounce|flush</c> beside a running
/// server, on mail Python's smtplib sent to an alias for remote addresses: configured routes send
/// their domains to a connector nobody runs, so it waits in the queue (the SMTP connector would try
/// it at once).
/// </summary>
public sealed class QueueCliTests : IAsyncLifetime
{
    private const string Parked = "parked";

    private static readonly Dictionary<string, string> ParkedRoutes = new()
    {
        ["INTERCHANGE__Transport__Routes__0__AddressSpace"] = "remote.test",
        ["INTERCHANGE__Transport__Routes__0__Connector"] = Parked,
        ["INTERCHANGE__Transport__Routes__1__AddressSpace"] = "far.test",
        ["INTERCHANGE__Transport__Routes__1__Connector"] = Parked,
    };

    private readonly ScratchFolder _data = new();

    public async Task InitializeAsync()
    {
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
    public async Task QueueAdministration_ListsFiltersShowsAndActs_OnOneIdOrAFilter()
    {
        await using var server = await ServerProcess.StartAsync(_data.Path, ["smtp"], environment: ParkedRoutes);
        await Cli("domain", "add", "example.test");
        await Cli("alias", "add", "fwd@example.test", "partner@remote.test");
        (await Cli("alias", "add", "fwd@example.test", "other@far.test")).ShouldSucceed("alias fwd@example.test");
        var sent = await ExternalProcess.PythonAsync($$"""
            import smtplib
            with smtplib.SMTP("127.0.0.1", {{server.Port("smtp")}}, timeout=20) as s:
                s.sendmail("boss@corp.test", ["fwd@example.test"], b"Subject: one\r\n\r\nfirst\r\n")
                s.sendmail("", ["fwd@example.test"], b"Subject: two\r\n\r\nsecond\r\n")
            """);
        sent.ExitCode.ShouldBe(0, ExternalProcess.Describe(sent));

        // Routing is asynchronous: wait (bounded) for both messages' four recipients.
        string[] lines = [];
        for (var attempt = 0; attempt < 100 && lines.Length < 4; attempt++)
        {
            lines = Lines(await Cli("queue", "list", "--connector", Parked));
            if (lines.Length < 4)
            {
                await Task.Delay(100);
            }
        }

        lines.Length.ShouldBe(4, string.Join("\n", lines));
        var fields = lines.Select(l => l.Split('\t')).ToList();
        foreach (var f in fields)
        {
            (f.Length, f.ElementAtOrDefault(5), f.ElementAtOrDefault(6), f.ElementAtOrDefault(7), f.ElementAtOrDefault(8)).ShouldBe((10, Parked, "ready", "0", "now"), string.Join("\n", lines));
        }

        var first = fields.Single(f => f[3] == "boss@corp.test" && f[4] == "partner@remote.test")[0];
        var second = fields.Single(f => f[3] == "<>" && f[4] == "other@far.test")[0];
        first.ShouldNotBe(second);

        Lines(await Cli("queue", "list", "--to-domain", "REMOTE.test")).Select(l => l.Split('\t')[4]).ShouldBe(["partner@remote.test", "partner@remote.test"]);
        Lines(await Cli("queue", "list", "--from", "@corp.test")).ShouldAllBe(l => l.StartsWith(first + "\t", StringComparison.Ordinal));
        Lines(await Cli("queue", "list", "--from", "<>")).Length.ShouldBe(2);
        Lines(await Cli("queue", "list", "--older-than", "1d")).ShouldBeEmpty();
        Lines(await Cli("queue", "list", "--state", "deferred")).ShouldBeEmpty();

        var show = await Cli("queue", "show", first);
        show.ShouldSucceed("sender: boss@corp.test");
        show.Stdout.ShouldContain("rcpt: fwd@example.test");
        show.Stdout.ShouldContain("partner@remote.test\tfwd@example.test\tparked\tready\t0\t-\tnow\t-\t");

        (await Cli("queue", "hold", first)).ShouldSucceed("held 2 recipients");
        Lines(await Cli("queue", "list", "--state", "held")).Length.ShouldBe(2);
        (await Cli("queue", "release", "--to-domain", "far.test")).ShouldSucceed("released 1 recipient");
        (await Cli("queue", "bounce", "--to-domain", "far.test")).ShouldSucceed("bounced 2 recipients");
        (await Cli("queue", "show", second)).Stdout.ShouldContain("other@far.test\tfwd@example.test\tparked\tfailed\t0\t-\t-\t-\t5.0.0 bounced by the administrator");
        (await Cli("queue", "retry", first)).ShouldSucceed("retried 0 recipients");
        (await Cli("queue", "flush")).ShouldSucceed("flushed 0 recipients");

        (await Cli("queue", "delete", second)).ShouldSucceed("deleted 2 recipients");
        (await Cli("queue", "show", second)).ShouldFail(1, $"no message {second} in the queue");
        // Left: the first message, and (once the bounce step has run) the DSN of its bounced
        // recipient, from <> to its sender (which the SMTP connector may already have tried). The
        // second came from <>: it never gets one.
        Lines(await Cli("queue", "list")).ShouldAllBe(l => l.StartsWith(first + "\t", StringComparison.Ordinal) || l.Contains("\t<>\tboss@corp.test\t", StringComparison.Ordinal));

        (await Cli("queue", "retry")).ShouldFail(2, "needs a queue id, filter options, or --all");
        (await Cli("queue", "list", "--state", "lost")).ShouldFail(2, "not a queue state");
        (await Cli("queue", "list", "--older-than", "soon")).ShouldFail(2, "not an age");
        var help = await ExternalProcess.RunAsync("dotnet", InterchangeBinary.Command("queue", "--help"));
        help.ExitCode.ShouldBe(0);
        help.Stdout.ShouldContain("bounce");
    }

    private static string[] Lines(ExternalProcess.Result result)
    {
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
    }

    private Task<ExternalProcess.Result> Cli(params string[] arguments) => InterchangeBinary.CliAsync(_data.Path, null, arguments);
}
