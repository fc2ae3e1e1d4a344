using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary><c>interchange route add|list|remove|test</c> on a data folder, as an administrator runs them.</summary>
public sealed class RouteCliTests : IAsyncLifetime
{
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
    public async Task Routes_AddListRemove_WithClearErrors()
    {
        (await Cli("route", "--help")).ShouldSucceed("add <address-space> <connector>");
        (await Cli("route", "add", "--help")).ShouldSucceed("--smarthost");

        (await Cli("route", "add", "Example.COM", "smtp", "--cost", "5", "--smarthost", "[192.0.2.1]:587", "--tls", "required"))
            .ShouldSucceed("added route example.com -> smtp via [192.0.2.1]:587, TLS required, cost 5");
        (await Cli("route", "add", "*.example.com", "ccmail", "--gateway", "post-office")).ShouldSucceed("added route *.example.com -> ccmail (gateway post-office), cost 1");
        (await Cli("route", "add", "*", "smtp", "--smarthost", "relay.isp.test:2525")).ShouldSucceed("added route *");

        (await Cli("route", "add", "example.com", "smtp", "--smarthost", "[192.0.2.1]:587")).ShouldFail(1, "already exists");
        (await Cli("route", "add", "exa*mple.com", "smtp")).ShouldFail(2, "not an address space");
        (await Cli("route", "add", "example.org", "smtp", "--tls", "maybe")).ShouldFail(2, "write opportunistic or required");
        (await Cli("route", "add", "example.org", "smtp", "--smarthost", "relay:99999")).ShouldFail(2, "not a smart host");
        (await Cli("route", "add", "example.org", "local")).ShouldFail(2, "cannot name the local connector");

        await Cli("domain", "add", "local.test");
        (await Cli("route", "add", "local.test", "smtp")).ShouldFail(1, "local.test is a local domain");

        // Not a terminal: one tab-separated line per route, most specific first.
        var list = await Cli("route", "list");
        list.ShouldSucceed("example.com\tsmtp\t5\t[192.0.2.1]:587\trequired\tstore");
        list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(
        [
            "example.com\tsmtp\t5\t[192.0.2.1]:587\trequired\tstore",
            "*.example.com\tccmail\t1\tpost-office\t-\tstore",
            "*\tsmtp\t1\trelay.isp.test:2525\topportunistic\tstore",
        ]);

        (await Cli("route", "remove", "*.example.com", "smtp")).ShouldFail(1, "no stored route for *.example.com -> smtp");
        (await Cli("route", "remove", "*.example.com", "ccmail")).ShouldSucceed("removed 1 route(s) for *.example.com -> ccmail");
        (await Cli("route", "remove", "*")).ShouldSucceed("removed 1 route(s)");
        (await Cli("route", "list")).Stdout.Trim().ShouldBe("example.com\tsmtp\t5\t[192.0.2.1]:587\trequired\tstore");
    }

    [Fact]
    public async Task RouteTest_TellsWhatHappensToALocalUserAnAliasAndRemoteAddresses()
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "interchange.json"), """
            { "PrimaryDomain": "example.test",
              "Transport": { "Routes": [ { "AddressSpace": "*.partner.test", "Connector": "smtp", "SmartHost": "[192.0.2.9]:25", "Cost": 3 } ] } }
            """);
        await Cli("domain", "add", "example.test");
        await Cli("user", "add", "anna@example.test");
        await Cli("alias", "add", "team@example.test", "anna@example.test");
        await Cli("alias", "add", "team@example.test", "bob@remote.test");
        (await Cli("route", "add", "remote.test", "smtp", "--smarthost", "smart.relay.test:587", "--tls", "required")).ShouldSucceed("added route");

        var user = await Cli("route", "test", "Anna@example.test");
        user.ShouldSucceed("Anna@example.test: local user");
        user.Stdout.ShouldContain("anna@example.test -> connector local (mailbox of anna@example.test)");

        var alias = await Cli("route", "test", "team@example.test");
        alias.ShouldSucceed("team@example.test: alias, 2 destination(s)");
        alias.Stdout.ShouldContain("anna@example.test -> connector local");
        alias.Stdout.ShouldContain("bob@remote.test -> connector smtp to smart host smart.relay.test:587 (route remote.test cost 1), TLS required");

        (await Cli("route", "test", "carol@remote.test")).ShouldSucceed("carol@remote.test -> connector smtp to smart host smart.relay.test:587 (route remote.test cost 1), TLS required");
        (await Cli("route", "test", "dan@mx.partner.test")).ShouldSucceed("dan@mx.partner.test -> connector smtp to smart host [192.0.2.9]:25 (route *.partner.test cost 3), TLS opportunistic");
        (await Cli("route", "test", "erin@elsewhere.test")).ShouldSucceed("erin@elsewhere.test -> connector smtp to the MX of elsewhere.test (default route), TLS opportunistic");

        (await Cli("route", "test", "nobody@example.test")).ShouldFail(1, "no such user, alias or group");
        (await Cli("route", "test", "not-an-address")).ShouldFail(2, "local@domain");

        // The configured route is listed beside the stored one; it is not the store's to remove.
        var list = await Cli("route", "list");
        list.Stdout.ShouldContain("*.partner.test\tsmtp\t3\t[192.0.2.9]:25\topportunistic\tconfig");
        (await Cli("route", "remove", "*.partner.test")).ShouldFail(1, "comes from the configuration (Transport:Routes)");
    }

    [Fact]
    public async Task A_running_server_routes_by_a_route_the_CLI_adds_and_by_default_once_it_is_removed()
    {
        await File.WriteAllTextAsync(Path.Combine(_data.Path, "interchange.json"), """{ "PrimaryDomain": "example.test" }""");
        await Cli("domain", "add", "example.test");
        await Cli("alias", "add", "team@example.test", "bob@remote.test");
        await using var server = await ServerProcess.StartAsync(_data.Path, ["smtp"]);
        await server.WaitForLogAsync(l => l.Contains("Routing table version 0: 0 route(s)", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        (await Cli("route", "add", "remote.test", "ccmail")).ShouldSucceed("added route remote.test -> ccmail");
        await server.WaitForLogAsync(l => l.Contains("Routing table version 1: 1 route(s)", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await SendAsync(server, "first");
        await server.WaitForLogAsync(l => l.Contains("routed: 1 ccmail;", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        (await Cli("route", "remove", "remote.test")).ShouldSucceed("removed 1 route(s)");
        await server.WaitForLogAsync(l => l.Contains("Routing table version 2: 0 route(s)", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        await SendAsync(server, "second");
        await server.WaitForLogAsync(l => l.Contains("routed: 1 smtp;", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
    }

    private static async Task SendAsync(ServerProcess server, string subject)
    {
        var sent = await ExternalProcess.PythonAsync($$"""
            import smtplib
            from email.message import EmailMessage
            m = EmailMessage()
            m["From"] = "zoe@sender.test"
            m["To"] = "team@example.test"
            m["Subject"] = "{{subject}}"
            m.set_content("hello")
            with smtplib.SMTP("127.0.0.1", {{server.Port("smtp")}}, timeout=20) as s:
                s.send_message(m)
            """);
        sent.ExitCode.ShouldBe(0, ExternalProcess.Describe(sent));
    }

    private Task<ExternalProcess.Result> Cli(params string[] arguments) => InterchangeBinary.CliAsync(_data.Path, null, arguments);
}
