using Xunit;
using System.Text.Json;
using System.Text.RegularExpressions;
using Shouldly;

namespace Interchange.IntegrationTests.Observability;

/// <summary>
/// <c>interchange serve</c> with its http listener: mail in with smtplib, an IMAP login with
/// imaplib (and a failed one), then <c>/metrics</c> scraped with curl and parsed by Prometheus's
/// Python client; the counters must have moved. The Grafana dashboard's queries must name only
/// series a real scrape has, and <c>/readyz</c> must turn 503 within its bound while another
/// process holds the database's write lock (and the watchdog must say so in the log).
/// </summary>
public sealed partial class MetricsEndpointTests : IAsyncLifetime
{
    private const string Password = "alice-secret-1";
    private readonly ScratchFolder _data = new();
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_data.Path, ["smtp", "imap", "http"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "example.test",
            ["INTERCHANGE__Transport__MetricsInterval"] = "00:00:01",
            ["INTERCHANGE__Web__ReadinessTimeout"] = "00:00:02",
        });
        var add = await InterchangeBinary.CliAsync(_data.Path, Password + "\n", "user", "add", "alice@example.test", "--password-stdin");
        add.ExitCode.ShouldBe(0, ExternalProcess.Describe(add));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Mail_logins_and_a_failed_login_move_the_counters_of_a_real_scrape()
    {
        var before = await PrometheusScrape.TakeAsync(_server.Port("http"), _data.Path);
        before.Sum("interchange_auth_failures_total").ShouldBe(0, "the failures series is published at zero from the start");

        var client = await ExternalProcess.DebianPythonAsync($$"""
            import smtplib, imaplib, ssl
            s = smtplib.SMTP("127.0.0.1", {{_server.Port("smtp")}}, timeout=20)
            s.sendmail("sender@remote.test", ["alice@example.test"], b"Subject: metrics\r\n\r\nhello\r\n")
            s.quit()
            ctx = ssl._create_unverified_context()
            i = imaplib.IMAP4("127.0.0.1", {{_server.Port("imap")}}, timeout=20)
            i.starttls(ssl_context=ctx)
            i.login("alice@example.test", "{{Password}}")
            i.logout()
            j = imaplib.IMAP4("127.0.0.1", {{_server.Port("imap")}}, timeout=20)
            j.starttls(ssl_context=ctx)
            try:
                j.login("alice@example.test", "wrong-password")
                print("login with a wrong password succeeded")
            except imaplib.IMAP4.error:
                print("refused")
            j.logout()
            """, TimeSpan.FromSeconds(60));
        client.ExitCode.ShouldBe(0, ExternalProcess.Describe(client));
        client.Stdout.Trim().ShouldBe("refused");

        // Delivery is asynchronous: scrape until the local delivery shows, within a bound.
        PrometheusScrape after = null!;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            after = await PrometheusScrape.TakeAsync(_server.Port("http"), _data.Path);
        }
        while (after.Sum("interchange_delivery_outcomes_total", ("connector", "local"), ("outcome", "delivered")) < 1 && DateTime.UtcNow < deadline);

        var all = string.Join('\n', after.Samples);
        (after.Sum("interchange_messages_accepted_total", ("listener", "smtp")) - before.Sum("interchange_messages_accepted_total", ("listener", "smtp"))).ShouldBe(1, all);
        after.Sum("interchange_delivery_outcomes_total", ("connector", "local"), ("outcome", "delivered")).ShouldBe(1, all);
        after.Sum("interchange_delivery_latency_seconds_count", ("connector", "local")).ShouldBe(1, all);
        after.Sum("interchange_delivery_latency_seconds_sum", ("connector", "local")).ShouldBeGreaterThan(0, all);
        (after.Sum("interchange_connections_accepted_total", ("protocol", "smtp")) - before.Sum("interchange_connections_accepted_total", ("protocol", "smtp"))).ShouldBe(1, all);
        (after.Sum("interchange_connections_accepted_total", ("protocol", "imap")) - before.Sum("interchange_connections_accepted_total", ("protocol", "imap"))).ShouldBe(2, all);
        after.Sum("interchange_connections", ("protocol", "imap")).ShouldBe(0, "both IMAP sessions have ended\n" + all);
        after.Sum("interchange_auth_failures_total", ("reason", "wrong_password")).ShouldBe(1, all);
        after.Sum("interchange_store_write_batch_size_count").ShouldBeGreaterThan(before.Sum("interchange_store_write_batch_size_count"), all);
        after.Sum("interchange_store_write_wait_seconds_count").ShouldBeGreaterThan(0, all);
        after.Names.ShouldContain("interchange_queue_messages", all);
        after.Names.ShouldContain("interchange_queue_oldest_age_seconds", all);
        after.Names.ShouldContain("interchange_store_lock_waits_total", all);
        after.Names.ShouldContain("interchange_bounces_sent_total", all);
    }

    [Fact]
    public async Task Every_series_the_grafana_dashboard_queries_is_in_a_real_scrape()
    {
        var dashboard = Path.Combine(InterchangeBinary.RepositoryRoot, "docs", "grafana", "interchange-dashboard.json");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(dashboard));
        var expressions = json.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .Concat(json.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray()
                .Where(v => v.GetProperty("type").GetString() == "query")
                .Select(v => v.GetProperty("query").GetString()!))
            .ToList();
        var referenced = expressions.SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();
        referenced.Count.ShouldBeGreaterThanOrEqualTo(10);

        // One message in and delivered, so the delivery histograms have their series.
        var send = await ExternalProcess.DebianPythonAsync($$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{_server.Port("smtp")}}, timeout=20)
            s.sendmail("sender@remote.test", ["alice@example.test"], b"Subject: dashboard\r\n\r\nhello\r\n")
            s.quit()
            """, TimeSpan.FromSeconds(30));
        send.ExitCode.ShouldBe(0, ExternalProcess.Describe(send));
        PrometheusScrape scrape;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            scrape = await PrometheusScrape.TakeAsync(_server.Port("http"), _data.Path);
        }
        while (scrape.Sum("interchange_delivery_latency_seconds_count") < 1 && DateTime.UtcNow < deadline);

        referenced.Except(scrape.Names).ShouldBeEmpty("the dashboard queries series the server does not export:\n" + string.Join('\n', scrape.Names.Order()));
    }

    [Fact]
    public async Task Readyz_is_503_within_its_bound_while_another_process_holds_the_write_lock_and_200_again_after()
    {
        var port = _server.Port("http");
        (await CurlAsync(port, "/readyz")).ShouldBe((200, "{\"status\":\"ready\"}"));
        (await CurlAsync(port, "/healthz")).Status.ShouldBe(200);

        // Another process (Python's sqlite3) takes the database's write lock and keeps it a while.
        var store = Path.Combine(_data.Path, "store.db");
        var holder = ExternalProcess.DebianPythonAsync($$"""
            import sqlite3, time
            c = sqlite3.connect({{JsonSerializer.Serialize(store)}}, isolation_level=None)
            c.execute("BEGIN IMMEDIATE")
            open({{JsonSerializer.Serialize(store + ".held")}}, "w").close()
            time.sleep(6)
            c.execute("ROLLBACK")
            """, TimeSpan.FromSeconds(30));
        var held = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!File.Exists(store + ".held") && DateTime.UtcNow < held)
        {
            await Task.Delay(50);
        }

        var started = DateTime.UtcNow;
        var blocked = await CurlAsync(port, "/readyz");
        var took = DateTime.UtcNow - started;
        blocked.Status.ShouldBe(503);
        blocked.Body.ShouldContain("store not writable");
        took.ShouldBeLessThan(TimeSpan.FromSeconds(5), "bounded by Web:ReadinessTimeout (2 s)");

        (await holder).ExitCode.ShouldBe(0);
        var ready = (0, string.Empty);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (ready.Item1 != 200 && DateTime.UtcNow < deadline)
        {
            ready = await CurlAsync(port, "/readyz");
        }

        ready.Item1.ShouldBe(200);
        var line = await _server.WaitForLogAsync(l => l.Contains("lock wait:", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        line.ShouldContain("write lock");
        var scrape = await PrometheusScrape.TakeAsync(port, _data.Path);
        scrape.Sum("interchange_store_lock_waits_total", ("kind", "busy")).ShouldBeGreaterThanOrEqualTo(1);
    }

    private static async Task<(int Status, string Body)> CurlAsync(int port, string path)
    {
        var result = await ExternalProcess.RunAsync("curl", ["-sS", "--max-time", "20", "-w", "\n%{http_code}", $"http://127.0.0.1:{port}{path}"], timeout: TimeSpan.FromSeconds(30));
        var lines = result.Stdout.TrimEnd().Split('\n');
        return (int.Parse(lines[^1], System.Globalization.CultureInfo.InvariantCulture), string.Join('\n', lines[..^1]));
    }

    [GeneratedRegex(@"interchange_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
