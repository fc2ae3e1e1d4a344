using System.Globalization;
using System.Text.Json.Nodes;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Api;

/// <summary>
/// The queue through the API, on mail Python's smtplib sent to an alias for addresses in
/// remote.test, which the fixture's configuration routes to a connector nobody runs (so it waits):
/// list with the filters <c>interchange queue</c> has, show, hold, release, retry, bounce and
/// delete, on one message and by filter; the status counts it.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiQueueTests(ApiServerFixture api)
{
    [Fact]
    public async Task Queued_mail_is_listed_filtered_shown_held_released_bounced_and_deleted()
    {
        (await api.PostAsync("/api/v1/domains", new { name = "q.test" })).ShouldBe(201);
        (await api.PostAsync("/api/v1/aliases", new { alias = "fwd@q.test", target = "partner@remote.test" })).ShouldBe(201);
        var sent = await ExternalProcess.PythonAsync($$"""
            import smtplib
            with smtplib.SMTP("127.0.0.1", {{api.Server.Port("smtp").ToString(CultureInfo.InvariantCulture)}}, timeout=20) as s:
                s.sendmail("boss@corp.test", ["fwd@q.test"], b"Subject: one\r\n\r\nfirst\r\n")
                s.sendmail("", ["fwd@q.test"], b"Subject: two\r\n\r\nsecond\r\n")
                s.sendmail("clerk@corp.test", ["fwd@q.test"], b"Subject: three\r\n\r\nthird\r\n")
            """);
        sent.ExitCode.ShouldBe(0, ExternalProcess.Describe(sent));

        // Routing is asynchronous: wait (bounded) for the three messages on the parked connector.
        JsonArray items = [];
        for (var i = 0; i < 200 && items.Count < 3; i++)
        {
            items = (await api.GetAsync($"/api/v1/queue?connector={ApiServerFixture.ParkedConnector}&toDomain=remote.test")).ShouldBe(200).Json["items"]!.AsArray();
            if (items.Count < 3)
            {
                await Task.Delay(50);
            }
        }

        items.Count.ShouldBe(3);
        var first = items.Single(e => e!["sender"]!.GetValue<string>() == "boss@corp.test")!;
        var second = items.Single(e => e!["sender"]!.GetValue<string>() == "<>")!;
        var third = items.Single(e => e!["sender"]!.GetValue<string>() == "clerk@corp.test")!;
        var firstId = first["id"]!.GetValue<long>();
        var secondId = second["id"]!.GetValue<long>();
        var thirdId = third["id"]!.GetValue<long>();
        var recipient = first["recipients"]!.AsArray().Single()!;
        (recipient["recipient"]!.GetValue<string>(), recipient["original"]!.GetValue<string>(), recipient["connector"]!.GetValue<string>(), recipient["state"]!.GetValue<string>())
            .ShouldBe(("partner@remote.test", "fwd@q.test", ApiServerFixture.ParkedConnector, "ready"));

        // Filters as the CLI's, and paging by id.
        Ids(await api.GetAsync("/api/v1/queue?from=@corp.test&toDomain=remote.test")).ShouldBe([firstId, thirdId]);
        Ids(await api.GetAsync("/api/v1/queue?from=<>&toDomain=remote.test")).ShouldBe([secondId]);
        Ids(await api.GetAsync($"/api/v1/queue?id={secondId}")).ShouldBe([secondId]);
        Ids(await api.GetAsync("/api/v1/queue?olderThan=1d&toDomain=remote.test")).ShouldBeEmpty();
        Ids(await api.GetAsync("/api/v1/queue?state=deferred&toDomain=remote.test")).ShouldBeEmpty();
        var page = (await api.GetAsync("/api/v1/queue?toDomain=remote.test&limit=2")).ShouldBe(200);
        page.Json["items"]!.AsArray().Count.ShouldBe(2);
        Ids(await api.GetAsync(page.Json["next"]!.GetValue<string>())).ShouldBe([thirdId]);
        (await api.GetAsync("/api/v1/queue?state=sleeping")).ShouldBeProblem(400).ShouldContain("state");
        (await api.GetAsync("/api/v1/queue?olderThan=forever")).ShouldBeProblem(400);

        var shown = (await api.GetAsync($"/api/v1/queue/{firstId}")).ShouldBe(200).Json;
        shown["client"]!.GetValue<string>().ShouldContain("127.0.0.1");
        shown["size"]!.GetValue<long>().ShouldBeGreaterThan(0);
        (await api.GetAsync("/api/v1/queue/999999999")).ShouldBeProblem(404);

        // One message: hold, then release.
        Changed(await api.PostAsync($"/api/v1/queue/{firstId}/hold", new { })).ShouldBe(1);
        State(await api.GetAsync($"/api/v1/queue/{firstId}")).ShouldBe("held");
        Ids(await api.GetAsync("/api/v1/queue?state=held")).ShouldBe([firstId]);
        Changed(await api.PostAsync($"/api/v1/queue/{firstId}/release", new { })).ShouldBe(1);
        State(await api.GetAsync($"/api/v1/queue/{firstId}")).ShouldBe("ready");
        (await api.PostAsync($"/api/v1/queue/{firstId}/explode", new { })).ShouldBeProblem(400);
        (await api.PostAsync("/api/v1/queue/999999999/hold", new { })).ShouldBeProblem(404);

        // By filter: a bulk action needs a filter or all=true.
        (await api.PostAsync("/api/v1/queue/hold", new { })).ShouldBeProblem(400).ShouldContain("all=true");
        Changed(await api.PostAsync("/api/v1/queue/hold?from=@corp.test&toDomain=remote.test", new { })).ShouldBe(2);
        State(await api.GetAsync($"/api/v1/queue/{thirdId}")).ShouldBe("held");
        Changed(await api.PostAsync("/api/v1/queue/release?state=held&toDomain=remote.test", new { })).ShouldBe(2);
        Changed(await api.PostAsync("/api/v1/queue/flush", new { })).ShouldBe(0); // nothing deferred: a ready recipient is due already
        Changed(await api.PostAsync($"/api/v1/queue/retry?id={thirdId}", new { })).ShouldBe(0);

        var status = (await api.GetAsync("/api/v1/status")).ShouldBe(200).Json["queue"]!;
        status["depth"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(3);
        status["pendingByConnector"]![ApiServerFixture.ParkedConnector]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(3);
        status["oldestAgeSeconds"]!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(0);

        // Bounce one (its sender gets a DSN), delete the others.
        Changed(await api.PostAsync($"/api/v1/queue/{thirdId}/bounce", new { })).ShouldBe(1);
        Changed(await api.DeleteAsync($"/api/v1/queue/{firstId}")).ShouldBe(1);
        (await api.GetAsync($"/api/v1/queue/{firstId}")).ShouldBeProblem(404);
        Changed(await api.PostAsync($"/api/v1/queue/delete?id={secondId}", new { })).ShouldBe(1);
        Ids(await api.GetAsync($"/api/v1/queue?connector={ApiServerFixture.ParkedConnector}&toDomain=remote.test&state=ready")).ShouldBeEmpty();
    }

    private static List<long> Ids(ApiResponse response) =>
        [.. response.ShouldBe(200).Json["items"]!.AsArray().Select(e => e!["id"]!.GetValue<long>())];

    private static int Changed(ApiResponse response) => response.ShouldBe(200).Json["changed"]!.GetValue<int>();

    private static string State(ApiResponse response) => response.ShouldBe(200).Json["recipients"]!.AsArray().Single()!["state"]!.GetValue<string>();
}
