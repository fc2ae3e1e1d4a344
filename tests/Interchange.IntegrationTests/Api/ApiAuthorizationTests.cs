using System.Globalization;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Api;

/// <summary>
/// Who may do what: no token, a bad, revoked or expired token, a user's token on admin endpoints,
/// a user changing another's password or their own; a token stops working the moment its user
/// loses the admin role, is disabled or removed. And the error shapes: bad JSON, wrong media
/// type, oversized bodies, unknown routes, all RFC 9457 problem details.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiAuthorizationTests(ApiServerFixture api)
{
    private const string Password = "user password 1";

    [Fact]
    public async Task Requests_without_a_valid_token_get_401_with_a_bearer_challenge()
    {
        var none = await api.GetAsync("/api/v1/users", token: null);
        none.ShouldBeProblem(401);
        none.WwwAuthenticate.ShouldStartWith("Bearer");

        var bad = await api.GetAsync("/api/v1/users", token: "ixt_0123456789abcdef01_" + new string('A', 43));
        bad.ShouldBeProblem(401).ShouldContain("unknown or revoked");
        bad.WwwAuthenticate.ShouldContain("invalid_token");

        (await api.GetAsync("/api/v1/users", token: "not-a-token")).ShouldBeProblem(401).ShouldContain("not an Interchange API token");
        (await api.GetAsync("/api/v1/users", token: "Basic cG9zdG1hc3Rlcjp4")).ShouldBeProblem(401).ShouldContain("Bearer");

        // The right id with a wrong secret: the hash comparison refuses it.
        var id = api.AdminToken.Split('_')[1];
        (await api.GetAsync("/api/v1/users", token: $"ixt_{id}_{new string('B', 43)}")).ShouldBeProblem(401);
    }

    [Fact]
    public async Task A_users_token_may_manage_only_its_own_password_and_tokens()
    {
        await UserAsync("eve@example.test");
        await UserAsync("frank@example.test");
        var eve = await TokenForAsync("eve@example.test");

        (await api.GetAsync("/api/v1/users", eve)).ShouldBeProblem(403);
        (await api.GetAsync("/api/v1/status", eve)).ShouldBeProblem(403);
        (await api.GetAsync("/api/v1/queue", eve)).ShouldBeProblem(403);
        (await api.GetAsync("/api/v1/sessions", eve)).ShouldBeProblem(403);
        (await api.PostAsync("/api/v1/domains", new { name = "evil.test" }, eve)).ShouldBeProblem(403);
        (await api.PatchAsync("/api/v1/users/frank@example.test", new { password = "stolen password" }, eve)).ShouldBeProblem(403);
        (await api.PatchAsync("/api/v1/users/eve@example.test", new { role = "admin" }, eve)).ShouldBeProblem(403);

        var me = (await api.GetAsync("/api/v1/me", eve)).ShouldBe(200).Json;
        (me["address"]!.GetValue<string>(), me["role"]!.GetValue<string>()).ShouldBe(("eve@example.test", "user"));

        // Tokens: her own only.
        var own = (await api.PostAsync("/api/v1/tokens", new { name = "laptop", expiresInDays = 30 }, eve)).ShouldBe(201).Json;
        own["user"]!.GetValue<string>().ShouldBe("eve@example.test");
        (await api.PostAsync("/api/v1/tokens", new { user = "frank@example.test" }, eve)).ShouldBeProblem(403);
        (await api.GetAsync("/api/v1/tokens?user=frank@example.test", eve)).ShouldBeProblem(403);
        var listed = (await api.GetAsync("/api/v1/tokens", eve)).ShouldBe(200).Json["items"]!.AsArray();
        listed.ShouldAllBe(t => t!["user"]!.GetValue<string>() == "eve@example.test");
        listed.Count.ShouldBe(2);
        var adminTokenId = api.AdminToken.Split('_')[1];
        (await api.DeleteAsync($"/api/v1/tokens/{adminTokenId}", eve)).ShouldBeProblem(404);
        (await api.DeleteAsync($"/api/v1/tokens/{own["id"]!.GetValue<string>()}", eve)).ShouldBe(204);
        (await api.GetAsync("/api/v1/me", own["token"]!.GetValue<string>())).ShouldBeProblem(401);

        // Her own password: only with the current one.
        (await api.SendAsync(HttpMethod.Put, "/api/v1/me/password", new { currentPassword = "wrong password", newPassword = "another password" }, eve)).ShouldBeProblem(403);
        (await api.SendAsync(HttpMethod.Put, "/api/v1/me/password", new { currentPassword = Password, newPassword = "x" }, eve)).ShouldBeProblem(400);
        (await api.SendAsync(HttpMethod.Put, "/api/v1/me/password", new { currentPassword = Password, newPassword = "another password" }, eve)).ShouldBe(204);
        var login = await ImapLoginAsync("eve@example.test", "another password");
        login.ShouldBe("OK");
        (await ImapLoginAsync("eve@example.test", Password)).ShouldBe("NO");

        // An administrator sees and revokes anyone's tokens.
        var all = (await api.GetAsync("/api/v1/tokens?user=eve@example.test")).ShouldBe(200).Json["items"]!.AsArray();
        all.Count.ShouldBe(1);
        (await api.DeleteAsync($"/api/v1/tokens/{all[0]!["id"]!.GetValue<string>()}")).ShouldBe(204);
        (await api.GetAsync("/api/v1/me", eve)).ShouldBeProblem(401);
    }

    [Fact]
    public async Task A_token_stops_working_at_once_when_its_user_loses_the_role_is_disabled_or_removed()
    {
        (await api.PostAsync("/api/v1/users", new { address = "gina@example.test", password = Password, role = "admin" })).ShouldBe(201);
        var gina = await TokenForAsync("gina@example.test");
        (await api.GetAsync("/api/v1/users?limit=1", gina)).ShouldBe(200);

        (await api.CliAsync(null, "user", "role", "gina@example.test", "user")).ExitCode.ShouldBe(0);
        (await api.GetAsync("/api/v1/users?limit=1", gina)).ShouldBeProblem(403);
        (await api.GetAsync("/api/v1/me", gina)).ShouldBe(200).Json["role"]!.GetValue<string>().ShouldBe("user");
        (await api.CliAsync(null, "user", "role", "gina@example.test", "admin")).ExitCode.ShouldBe(0);
        (await api.GetAsync("/api/v1/users?limit=1", gina)).ShouldBe(200);

        (await api.PatchAsync("/api/v1/users/gina@example.test", new { disabled = true })).ShouldBe(200);
        (await api.GetAsync("/api/v1/me", gina)).ShouldBeProblem(401).ShouldContain("disabled");
        (await api.PatchAsync("/api/v1/users/gina@example.test", new { disabled = false })).ShouldBe(200);
        (await api.GetAsync("/api/v1/me", gina)).ShouldBe(200);

        (await api.DeleteAsync("/api/v1/users/gina@example.test")).ShouldBe(204);
        (await api.GetAsync("/api/v1/me", gina)).ShouldBeProblem(401);
    }

    [Fact]
    public async Task The_cli_lists_and_revokes_tokens_and_a_revoked_token_stops_at_once()
    {
        await UserAsync("jo@example.test");
        var created = await api.CliAsync(null, "token", "create", "jo@example.test", "--name", "cli made", "--expires", "7d");
        created.ExitCode.ShouldBe(0, ExternalProcess.Describe(created));
        var token = created.Stdout.Trim().Split('\n')[^1].Trim();
        api.Remember(token);
        var id = token.Split('_')[1];
        created.Stdout.ShouldContain($"created token {id} for jo@example.test, expires ");
        (await api.GetAsync("/api/v1/me", token)).ShouldBe(200).Json["address"]!.GetValue<string>().ShouldBe("jo@example.test");

        var listed = await api.CliAsync(null, "token", "list", "--user", "jo@example.test");
        listed.ExitCode.ShouldBe(0, ExternalProcess.Describe(listed));
        listed.Stdout.ShouldContain(id);
        listed.Stdout.ShouldContain("cli made");
        listed.Stdout.ShouldNotContain(token.Split('_', 3)[2]);

        (await api.CliAsync(null, "token", "create", "nobody@example.test")).ExitCode.ShouldBe(1);
        (await api.CliAsync(null, "token", "create", "jo@example.test", "--expires", "soon")).ExitCode.ShouldBe(2);
        (await api.CliAsync(null, "token", "revoke", id)).ExitCode.ShouldBe(0);
        (await api.GetAsync("/api/v1/me", token)).ShouldBeProblem(401);
        (await api.CliAsync(null, "token", "revoke", id)).ExitCode.ShouldBe(1);
        (await api.CliAsync(null, "user", "role", "jo@example.test", "emperor")).ExitCode.ShouldBe(2);
    }

    [Fact]
    public async Task An_expired_token_is_refused_and_last_use_is_recorded()
    {
        await UserAsync("hank@example.test");
        var created = (await api.PostAsync("/api/v1/tokens", new { user = "hank@example.test", name = "short-lived", expiresInDays = 1 })).ShouldBe(201).Json;
        var token = created["token"]!.GetValue<string>();
        var id = created["id"]!.GetValue<string>();
        (await api.GetAsync("/api/v1/me", token)).ShouldBe(200);
        var listed = (await api.GetAsync("/api/v1/tokens?user=hank@example.test")).ShouldBe(200).Json["items"]!.AsArray().Single()!;
        listed["lastUsedAt"].ShouldNotBeNull();
        listed["name"]!.GetValue<string>().ShouldBe("short-lived");

        // Time passes: Python's sqlite3 moves the expiry into the past in the store itself.
        var moved = await ExternalProcess.PythonAsync($$"""
            import sqlite3, time
            c = sqlite3.connect("{{Path.Combine(api.DataPath, "store.db")}}", timeout=30)
            n = c.execute("UPDATE api_tokens SET expires_at = ? WHERE id = ?", (int(time.time()) - 60, "{{id}}")).rowcount
            c.commit()
            print(n)
            """);
        moved.Stdout.Trim().ShouldBe("1", ExternalProcess.Describe(moved));
        (await api.GetAsync("/api/v1/me", token)).ShouldBeProblem(401).ShouldContain("expired");

        (await api.PostAsync("/api/v1/tokens", new { user = "hank@example.test", expiresAt = DateTimeOffset.UtcNow.AddDays(-1) })).ShouldBeProblem(400);
        (await api.PostAsync("/api/v1/tokens", new { user = "hank@example.test", expiresInDays = 0 })).ShouldBeProblem(400);
        (await api.PostAsync("/api/v1/tokens", new { user = "nobody@example.test" })).ShouldBeProblem(404);
    }

    [Fact]
    public async Task Bad_json_wrong_media_type_oversized_bodies_and_unknown_routes_are_problem_details()
    {
        var truncated = await api.SendAsync(HttpMethod.Post, "/api/v1/domains", "{\"name\": \"x.test\"");
        truncated.ShouldBeProblem(400).ShouldContain("not valid JSON");
        (await api.SendAsync(HttpMethod.Post, "/api/v1/domains", "{\"name\": 42}")).ShouldBeProblem(400).ShouldContain("$.name");
        (await api.SendAsync(HttpMethod.Post, "/api/v1/domains", "[]")).ShouldBeProblem(400);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/domains", "null")).ShouldBeProblem(400);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/domains", "")).ShouldBeProblem(400);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/domains", "name=x.test", contentType: "application/x-www-form-urlencoded")).ShouldBeProblem(415);

        var huge = "{\"name\": \"" + new string('a', 200_000) + "\"}";
        (await api.SendAsync(HttpMethod.Post, "/api/v1/domains", huge)).ShouldBeProblem(413);

        var unknown = await api.GetAsync("/api/v1/no/such/thing");
        unknown.ShouldBeProblem(404);
        var problem = unknown.Json;
        problem["instance"]!.GetValue<string>().ShouldBe("/api/v1/no/such/thing");
        problem["title"]!.GetValue<string>().ShouldBe("Not Found");
        (await api.GetAsync("/api/v2/users", token: null)).ShouldBeProblem(404);
        (await api.GetAsync("/api/v1/queue/notanumber")).ShouldBeProblem(404);
        (await api.SendAsync(HttpMethod.Put, "/api/v1/status", "{}")).ShouldBeProblem(405);
        (await api.SendAsync(HttpMethod.Post, "/api/v1/no/such/thing", "{}")).ShouldBeProblem(404);
    }

    [Fact]
    public async Task Curl_creates_a_user_and_reads_it_back_and_sees_problem_details()
    {
        var created = await CurlAsync("-X", "POST", "-H", "Content-Type: application/json", "-d", "{\"address\":\"ivy@example.test\",\"password\":\"curl password 1\"}", $"{api.BaseUrl}/api/v1/users");
        created.ShouldContain("HTTP/1.1 201");
        created.ShouldContain("Location: /api/v1/users/ivy%40example.test");
        var read = await CurlAsync($"{api.BaseUrl}/api/v1/users/ivy@example.test");
        read.ShouldContain("HTTP/1.1 200");
        read.ShouldContain("\"passwordSet\":true");
        var missing = await CurlAsync($"{api.BaseUrl}/api/v1/users/nobody@example.test");
        missing.ShouldContain("HTTP/1.1 404");
        missing.ShouldContain("Content-Type: application/problem+json");
        var anonymous = await ExternalProcess.RunAsync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", $"{api.BaseUrl}/api/v1/users"]);
        anonymous.Stdout.ShouldBe("401");
    }

    private async Task<string> CurlAsync(params string[] arguments)
    {
        var run = await ExternalProcess.RunAsync("curl", ["-s", "-i", "--max-time", "30", "-H", $"Authorization: Bearer {api.AdminToken}", .. arguments]);
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run));
        run.Stdout.ShouldNotContain("$pbkdf2");
        return run.Stdout;
    }

    private async Task UserAsync(string address) =>
        (await api.PostAsync("/api/v1/users", new { address, password = Password })).ShouldBe(201);

    private async Task<string> TokenForAsync(string address) =>
        (await api.PostAsync("/api/v1/tokens", new { user = address, name = "test" })).ShouldBe(201).Json["token"]!.GetValue<string>();

    /// <summary>An IMAP login with Python's imaplib: "OK" or "NO".</summary>
    private async Task<string> ImapLoginAsync(string user, string password)
    {
        var run = await ExternalProcess.PythonAsync($$"""
            import imaplib
            m = imaplib.IMAP4("127.0.0.1", {{api.Server.Port("imap").ToString(CultureInfo.InvariantCulture)}}, timeout=20)
            try:
                m.login("{{user}}", "{{password}}")
                print("OK")
                m.logout()
            except imaplib.IMAP4.error:
                print("NO")
            """);
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run));
        return run.Stdout.Trim();
    }
}
