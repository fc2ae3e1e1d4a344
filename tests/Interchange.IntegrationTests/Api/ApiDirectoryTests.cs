using System.Text.Json.Nodes;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Api;

/// <summary>
/// The directory through the admin API over real HTTP: domains, users (with paging over 250),
/// aliases and groups; conventional status codes (201 + Location, 204, 404, 409, 400) and
/// problem details for every refusal.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiDirectoryTests(ApiServerFixture api)
{
    [Fact]
    public async Task Domains_are_created_listed_shown_and_removed_only_with_force_when_not_empty()
    {
        var created = (await api.PostAsync("/api/v1/domains", new { name = "Dom1.Test" })).ShouldBe(201);
        created.Location.ShouldBe("/api/v1/domains/dom1.test");
        created.Json["name"]!.GetValue<string>().ShouldBe("dom1.test");
        (await api.PostAsync("/api/v1/domains", new { name = "dom1.test" })).ShouldBeProblem(409);
        (await api.PostAsync("/api/v1/domains", new { name = "not a domain" })).ShouldBeProblem(400);
        (await api.PostAsync("/api/v1/domains", new { })).ShouldBeProblem(400).ShouldContain("name");

        var shown = (await api.GetAsync(created.Location!)).ShouldBe(200).Json;
        (shown["addressCount"]!.GetValue<int>(), shown["primary"]!.GetValue<bool>()).ShouldBe((0, false));
        (await api.GetAsync("/api/v1/domains/example.test")).ShouldBe(200).Json["primary"]!.GetValue<bool>().ShouldBeTrue();
        var listed = (await api.GetAsync("/api/v1/domains?q=dom1")).ShouldBe(200).Json["items"]!.AsArray();
        listed.Select(d => d!["name"]!.GetValue<string>()).ShouldBe(["dom1.test"]);

        (await api.PostAsync("/api/v1/users", new { address = "someone@dom1.test" })).ShouldBe(201);
        (await api.DeleteAsync("/api/v1/domains/dom1.test")).ShouldBeProblem(409).ShouldContain("still has 1");
        (await api.DeleteAsync("/api/v1/domains/dom1.test?force=true")).ShouldBe(204).Body.ShouldBeEmpty();
        (await api.GetAsync("/api/v1/domains/dom1.test")).ShouldBeProblem(404);
        (await api.GetAsync("/api/v1/users/someone@dom1.test")).ShouldBeProblem(404);
        (await api.DeleteAsync("/api/v1/domains/dom1.test")).ShouldBeProblem(404);
        (await api.DeleteAsync("/api/v1/domains/example.test")).ShouldBeProblem(409).ShouldContain("primary");
    }

    [Fact]
    public async Task Users_are_created_with_or_without_a_password_changed_and_removed()
    {
        (await api.PostAsync("/api/v1/domains", new { name = "dom2.test" })).ShouldBe(201);
        var created = (await api.PostAsync("/api/v1/users", new { address = "Ann@dom2.test" })).ShouldBe(201);
        created.Location.ShouldBe("/api/v1/users/Ann%40dom2.test");
        var ann = created.Json;
        (ann["address"]!.GetValue<string>(), ann["key"]!.GetValue<string>(), ann["passwordSet"]!.GetValue<bool>(), ann["role"]!.GetValue<string>(), ann["disabled"]!.GetValue<bool>())
            .ShouldBe(("Ann@dom2.test", "ann@dom2.test", false, "user", false));
        (await api.PostAsync("/api/v1/users", new { address = "ann@dom2.test", password = "long enough pw" })).ShouldBeProblem(409);
        (await api.PostAsync("/api/v1/users", new { address = "bob@dom2.test", password = "short" })).ShouldBeProblem(400).ShouldContain("shorter");
        (await api.PostAsync("/api/v1/users", new { address = "bob@nowhere.test", password = "long enough pw" })).ShouldBeProblem(404);
        (await api.PostAsync("/api/v1/users", new { address = "not-an-address" })).ShouldBeProblem(400);
        (await api.PostAsync("/api/v1/users", new { address = "bob@dom2.test", role = "emperor" })).ShouldBeProblem(400).ShouldContain("role");

        var bob = (await api.PostAsync("/api/v1/users", new { address = "bob@dom2.test", password = "long enough pw", role = "admin" })).ShouldBe(201).Json;
        (bob["passwordSet"]!.GetValue<bool>(), bob["role"]!.GetValue<string>()).ShouldBe((true, "admin"));

        var patched = (await api.PatchAsync("/api/v1/users/ann@dom2.test", new { password = "a new password", disabled = true })).ShouldBe(200).Json;
        (patched["passwordSet"]!.GetValue<bool>(), patched["disabled"]!.GetValue<bool>()).ShouldBe((true, true));
        (await api.PatchAsync("/api/v1/users/ann@dom2.test", new { disabled = false, role = "admin" })).ShouldBe(200).Json["role"]!.GetValue<string>().ShouldBe("admin");
        (await api.PatchAsync("/api/v1/users/ann@dom2.test", new { })).ShouldBeProblem(400);
        (await api.PatchAsync("/api/v1/users/ann@dom2.test", new { disabeld = true })).ShouldBeProblem(400);
        (await api.PatchAsync("/api/v1/users/nobody@dom2.test", new { disabled = true })).ShouldBeProblem(404);

        (await api.PostAsync("/api/v1/aliases", new { alias = "a@dom2.test", target = "ann@dom2.test" })).ShouldBe(201);
        (await api.PostAsync("/api/v1/groups", new { address = "team@dom2.test" })).ShouldBe(201);
        (await api.PostAsync("/api/v1/groups/team@dom2.test/members", new { member = "ann@dom2.test" })).ShouldBe(201);
        var detail = (await api.GetAsync("/api/v1/users/ANN@dom2.test")).ShouldBe(200).Json;
        detail["aliases"]!.AsArray().Select(a => a!.GetValue<string>()).ShouldBe(["a@dom2.test"]);
        detail["groups"]!.AsArray().Select(a => a!.GetValue<string>()).ShouldBe(["team@dom2.test"]);

        (await api.DeleteAsync("/api/v1/users/ann@dom2.test")).ShouldBe(204);
        (await api.GetAsync("/api/v1/users/ann@dom2.test")).ShouldBeProblem(404);
        (await api.DeleteAsync("/api/v1/users/ann@dom2.test")).ShouldBeProblem(404);
        (await api.GetAsync("/api/v1/aliases/a@dom2.test")).ShouldBeProblem(404); // its only target went
    }

    [Fact]
    public async Task Users_list_walks_250_users_in_pages_by_the_next_link_each_user_once()
    {
        (await api.PostAsync("/api/v1/domains", new { name = "many.test" })).ShouldBe(201);
        var expected = Enumerable.Range(0, 250).Select(i => $"u{i:D3}@many.test").ToList();
        await Parallel.ForEachAsync(expected, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (address, _) =>
            (await api.PostAsync("/api/v1/users", new { address })).ShouldBe(201));

        var seen = new List<string>();
        string? next = "/api/v1/users?domain=many.test&limit=40";
        var pages = 0;
        while (next is not null && pages < 20)
        {
            var page = (await api.GetAsync(next)).ShouldBe(200);
            var json = page.Json;
            var items = json["items"]!.AsArray();
            items.Count.ShouldBeLessThanOrEqualTo(40);
            seen.AddRange(items.Select(u => u!["address"]!.GetValue<string>()));
            next = json["next"]?.GetValue<string>();
            if (next is not null)
            {
                page.Link.ShouldBe($"<{next}>; rel=\"next\"");
                json["cursor"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
            }
            else
            {
                page.Link.ShouldBeNull();
            }

            pages++;
        }

        pages.ShouldBe(7); // 6 × 40 + 10
        seen.ShouldBe(expected);

        var searched = (await api.GetAsync("/api/v1/users?q=U24&domain=many.test")).ShouldBe(200).Json["items"]!.AsArray();
        searched.Select(u => u!["address"]!.GetValue<string>()).ShouldBe(["u240@many.test", "u241@many.test", "u242@many.test", "u243@many.test", "u244@many.test", "u245@many.test", "u246@many.test", "u247@many.test", "u248@many.test", "u249@many.test"]);
        (await api.GetAsync("/api/v1/users?limit=100000")).ShouldBeProblem(400).ShouldContain("limit");
        (await api.GetAsync("/api/v1/users?limit=0")).ShouldBeProblem(400);
        (await api.GetAsync("/api/v1/users?cursor=!!!")).ShouldBeProblem(400).ShouldContain("cursor");
        (await api.GetAsync("/api/v1/users?limit=abc")).ShouldBeProblem(400);
    }

    [Fact]
    public async Task Aliases_and_catch_alls_gain_and_lose_targets()
    {
        (await api.PostAsync("/api/v1/domains", new { name = "dom3.test" })).ShouldBe(201);
        (await api.PostAsync("/api/v1/users", new { address = "carl@dom3.test" })).ShouldBe(201);
        var created = (await api.PostAsync("/api/v1/aliases", new { alias = "sales@dom3.test", target = "carl@dom3.test" })).ShouldBe(201);
        created.Location.ShouldBe("/api/v1/aliases/sales%40dom3.test");
        (await api.PostAsync("/api/v1/aliases/sales@dom3.test/targets", new { target = "partner@remote.test" })).ShouldBe(201)
            .Json["targets"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["carl@dom3.test", "partner@remote.test"]);
        (await api.PostAsync("/api/v1/aliases/sales@dom3.test/targets", new { target = "carl@dom3.test" })).ShouldBeProblem(409);
        (await api.PostAsync("/api/v1/aliases", new { alias = "x@dom3.test", target = "ghost@dom3.test" })).ShouldBeProblem(404);
        (await api.PostAsync("/api/v1/aliases", new { alias = "carl@dom3.test", target = "partner@remote.test" })).ShouldBeProblem(409);
        (await api.PostAsync("/api/v1/aliases", new { alias = "@dom3.test", target = "carl@dom3.test" })).ShouldBe(201);
        (await api.GetAsync("/api/v1/aliases/@dom3.test")).ShouldBe(200).Json["address"]!.GetValue<string>().ShouldBe("@dom3.test");

        var listed = (await api.GetAsync("/api/v1/aliases?domain=dom3.test")).ShouldBe(200).Json["items"]!.AsArray();
        listed.Select(a => a!["address"]!.GetValue<string>()).ShouldBe(["@dom3.test", "sales@dom3.test"]);

        (await api.DeleteAsync("/api/v1/aliases/sales@dom3.test/targets/carl@dom3.test")).ShouldBe(204);
        (await api.GetAsync("/api/v1/aliases/sales@dom3.test")).ShouldBe(200).Json["targets"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["partner@remote.test"]);
        (await api.DeleteAsync("/api/v1/aliases/sales@dom3.test/targets/carl@dom3.test")).ShouldBeProblem(404);
        (await api.DeleteAsync("/api/v1/aliases/sales@dom3.test")).ShouldBe(204);
        (await api.GetAsync("/api/v1/aliases/sales@dom3.test")).ShouldBeProblem(404);
        (await api.DeleteAsync("/api/v1/aliases/carl@dom3.test")).ShouldBeProblem(409); // a user, not an alias
    }

    [Fact]
    public async Task Groups_gain_and_lose_members_and_refuse_a_cycle()
    {
        (await api.PostAsync("/api/v1/domains", new { name = "dom4.test" })).ShouldBe(201);
        (await api.PostAsync("/api/v1/users", new { address = "dora@dom4.test" })).ShouldBe(201);
        (await api.PostAsync("/api/v1/groups", new { address = "outer@dom4.test" })).ShouldBe(201).Location.ShouldBe("/api/v1/groups/outer%40dom4.test");
        (await api.PostAsync("/api/v1/groups", new { address = "inner@dom4.test" })).ShouldBe(201);
        (await api.PostAsync("/api/v1/groups", new { address = "inner@dom4.test" })).ShouldBeProblem(409);
        (await api.PostAsync("/api/v1/groups/outer@dom4.test/members", new { member = "inner@dom4.test" })).ShouldBe(201);
        (await api.PostAsync("/api/v1/groups/inner@dom4.test/members", new { member = "dora@dom4.test" })).ShouldBe(201);
        (await api.PostAsync("/api/v1/groups/inner@dom4.test/members", new { member = "outer@dom4.test" })).ShouldBeProblem(409).ShouldContain("cycle");
        (await api.PostAsync("/api/v1/groups/nobody@dom4.test/members", new { member = "dora@dom4.test" })).ShouldBeProblem(404);

        (await api.GetAsync("/api/v1/groups/outer@dom4.test")).ShouldBe(200).Json["members"]!.AsArray().Select(m => m!.GetValue<string>()).ShouldBe(["inner@dom4.test"]);
        var listed = (await api.GetAsync("/api/v1/groups?domain=dom4.test")).ShouldBe(200).Json["items"]!.AsArray();
        listed.Select(g => g!["address"]!.GetValue<string>()).ShouldBe(["inner@dom4.test", "outer@dom4.test"]);

        (await api.DeleteAsync("/api/v1/groups/inner@dom4.test/members/dora@dom4.test")).ShouldBe(204);
        (await api.DeleteAsync("/api/v1/groups/inner@dom4.test/members/dora@dom4.test")).ShouldBeProblem(404);
        (await api.DeleteAsync("/api/v1/groups/inner@dom4.test")).ShouldBe(204);
        (await api.GetAsync("/api/v1/groups/outer@dom4.test")).ShouldBe(200).Json["members"]!.AsArray().Count.ShouldBe(0);
        (await api.GetAsync("/api/v1/groups/dora@dom4.test")).ShouldBeProblem(404);
    }

    [Fact]
    public async Task Routes_are_added_listed_and_removed_through_the_route_store()
    {
        var created = (await api.PostAsync("/api/v1/routes", new { addressSpace = "*.partner.test", connector = "smtp", cost = 5, smartHost = "[192.0.2.1]:587", tls = "required" })).ShouldBe(201);
        created.Location.ShouldBe("/api/v1/routes/%2A.partner.test");
        created.Json["description"]!.GetValue<string>().ShouldBe("smtp via [192.0.2.1]:587, TLS required");
        (await api.PostAsync("/api/v1/routes", new { addressSpace = "*.partner.test", connector = "smtp", cost = 9, smartHost = "[192.0.2.1]:587" })).ShouldBeProblem(409);
        (await api.PostAsync("/api/v1/routes", new { addressSpace = "example.test", connector = "smtp" })).ShouldBeProblem(409).ShouldContain("local");
        (await api.PostAsync("/api/v1/routes", new { addressSpace = "bad space!", connector = "smtp" })).ShouldBeProblem(400);
        (await api.PostAsync("/api/v1/routes", new { addressSpace = "x.test", connector = "local" })).ShouldBeProblem(400);

        // The running table follows the store through the change feed: wait (bounded) for it.
        JsonArray routes = [];
        for (var i = 0; i < 100 && !routes.Any(r => r!["addressSpace"]!.GetValue<string>() == "*.partner.test"); i++)
        {
            routes = (await api.GetAsync("/api/v1/routes")).ShouldBe(200).Json["items"]!.AsArray();
            await Task.Delay(50);
        }

        var route = routes.Single(r => r!["addressSpace"]!.GetValue<string>() == "*.partner.test")!;
        (route["connector"]!.GetValue<string>(), route["cost"]!.GetValue<int>(), route["source"]!.GetValue<string>()).ShouldBe(("smtp", 5, "store"));
        routes.Single(r => r!["addressSpace"]!.GetValue<string>() == "remote.test")!["source"]!.GetValue<string>().ShouldBe("configuration");

        var cli = await api.CliAsync(null, "route", "list");
        cli.Stdout.ShouldContain("*.partner.test\tsmtp\t5");

        (await api.DeleteAsync("/api/v1/routes/*.partner.test?connector=smtp")).ShouldBe(204);
        (await api.DeleteAsync("/api/v1/routes/*.partner.test")).ShouldBeProblem(404);
        (await api.CliAsync(null, "route", "list")).Stdout.ShouldNotContain("*.partner.test");
    }

    [Fact]
    public async Task Dkim_keys_show_the_public_key_and_the_TXT_record_never_the_private_key()
    {
        var generated = await api.CliAsync(null, "dkim", "generate", ApiServerFixture.Domain, "--selector", "api2026");
        generated.ExitCode.ShouldBe(0, ExternalProcess.Describe(generated));
        foreach (var pem in System.IO.Directory.EnumerateFiles(Path.Combine(api.DataPath, "dkim"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)))
        {
            foreach (var line in File.ReadAllLines(pem).Where(l => l.Length >= 40 && !l.StartsWith("-----", StringComparison.Ordinal)))
            {
                api.Forbid(line);
            }
        }

        var keys = (await api.GetAsync("/api/v1/dkim/keys?domain=example.test")).ShouldBe(200).Json["items"]!.AsArray();
        var key = keys.Single(k => k!["selector"]!.GetValue<string>() == "api2026")!;
        (key["domain"]!.GetValue<string>(), key["algorithm"]!.GetValue<string>(), key["bits"]!.GetValue<int>()).ShouldBe(("example.test", "rsa-sha256", 2048));
        var record = key["record"]!;
        record["name"]!.GetValue<string>().ShouldBe("api2026._domainkey.example.test");
        record["type"]!.GetValue<string>().ShouldBe("TXT");
        record["value"]!.GetValue<string>().ShouldBe("v=DKIM1; k=rsa; p=" + key["publicKey"]!.GetValue<string>());
        string.Concat(record["strings"]!.AsArray().Select(s => s!.GetValue<string>())).ShouldBe(record["value"]!.GetValue<string>());
        generated.Stdout.ShouldContain(record["zoneLine"]!.GetValue<string>());
        (await api.GetAsync("/api/v1/dkim/keys?domain=-bad-")).ShouldBeProblem(400);
    }

    [Fact]
    public async Task Status_names_the_version_host_listeners_queue_sessions_and_store()
    {
        var status = (await api.GetAsync("/api/v1/status")).ShouldBe(200).Json;
        status["version"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        status["hostName"]!.GetValue<string>().ShouldBe(ApiServerFixture.Domain);
        status["uptimeSeconds"]!.GetValue<double>().ShouldBeGreaterThan(0);
        var listeners = status["listeners"]!.AsArray();
        listeners.Select(l => l!["protocol"]!.GetValue<string>()).Order().ShouldBe(["http", "imap", "smtp"]);
        listeners.Single(l => l!["protocol"]!.GetValue<string>() == "http")!["port"]!.GetValue<int>().ShouldBe(api.Server.Port("http"));
        status["queue"]!["depth"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(0);
        status["sessions"].ShouldBeOfType<JsonObject>();
        (status["store"]!["healthy"]!.GetValue<bool>(), status["store"]!["provider"]!.GetValue<string>(), status["store"]!["schemaVersion"]!.GetValue<int>()).ShouldBe((true, "sqlite", 17));
    }
}
