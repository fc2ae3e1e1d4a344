using System.Globalization;
using System.Text.Json;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Api;

/// <summary>
/// Sessions through the API, judged by Python's imaplib and urllib: a logged-in IMAP session is
/// listed (as <c>doveadm who</c>), and ended by <c>DELETE /sessions/{id}</c> (as <c>doveadm kick</c>),
/// by <c>DELETE /sessions?user=</c>, or by a password change through the API; each time the
/// client reads <c>* BYE</c>.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiSessionTests(ApiServerFixture api)
{
    private const string Password = "imap password 1";

    [Fact]
    public async Task An_imap_session_is_listed_and_ended_by_the_administrator_with_BYE()
    {
        await UserAsync("kim@example.test");
        var result = await RunAsync("kim@example.test", sessions: 1, """
            s = [x for x in listed["items"] if x["user"] == user][0]
            status = call("DELETE", "/api/v1/sessions/" + urllib.parse.quote(s["id"]))
            """);
        var listed = result.GetProperty("listed").GetProperty("items").EnumerateArray().Where(s => s.GetProperty("user").GetString() == "kim@example.test").ToList();
        listed.Count.ShouldBe(1);
        listed[0].GetProperty("protocol").GetString().ShouldBe("IMAP");
        listed[0].GetProperty("client").GetString().ShouldBe("127.0.0.1");
        result.GetProperty("status").GetInt32().ShouldBe(204);
        result.GetProperty("lines")[0].GetString()!.ShouldStartWith("* BYE");
        result.GetProperty("lines")[0].GetString()!.ShouldContain("administrator");

        // Gone from the list, and a second DELETE finds nothing.
        var id = listed[0].GetProperty("id").GetString()!;
        for (var i = 0; i < 100 && (await api.GetAsync("/api/v1/sessions?user=kim@example.test")).Json["items"]!.AsArray().Count > 0; i++)
        {
            await Task.Delay(20);
        }

        (await api.GetAsync("/api/v1/sessions?user=kim@example.test")).ShouldBe(200).Json["items"]!.AsArray().Count.ShouldBe(0);
        (await api.DeleteAsync($"/api/v1/sessions/{Uri.EscapeDataString(id)}")).ShouldBeProblem(404);
    }

    [Fact]
    public async Task Every_session_of_a_user_ends_at_once()
    {
        await UserAsync("lea@example.test");
        var result = await RunAsync("lea@example.test", sessions: 2, """
            status = call("DELETE", "/api/v1/sessions?user=" + user)
            """);
        result.GetProperty("status").GetInt32().ShouldBe(200);
        result.GetProperty("answer").GetProperty("ended").GetInt32().ShouldBe(2);
        result.GetProperty("lines").EnumerateArray().Select(l => l.GetString()).ShouldAllBe(l => l!.StartsWith("* BYE", StringComparison.Ordinal));
        (await api.DeleteAsync("/api/v1/sessions")).ShouldBeProblem(400);
    }

    [Fact]
    public async Task A_password_changed_through_the_api_ends_the_users_imap_session()
    {
        await UserAsync("max@example.test");
        var result = await RunAsync("max@example.test", sessions: 1, """
            status = call("PATCH", "/api/v1/users/" + user, {"password": "a changed password"})
            """);
        result.GetProperty("status").GetInt32().ShouldBe(200);
        result.GetProperty("lines")[0].GetString()!.ShouldStartWith("* BYE");
    }

    private async Task UserAsync(string address) =>
        (await api.PostAsync("/api/v1/users", new { address, password = Password })).ShouldBe(201);

    /// <summary>
    /// Python logs <paramref name="sessions"/> IMAP sessions in as <paramref name="user"/>, lists the
    /// sessions through the API, runs <paramref name="action"/> (which sets <c>status</c>), then reads
    /// what each session gets next (bounded: 10 s).
    /// </summary>
    private async Task<JsonElement> RunAsync(string user, int sessions, string action)
    {
        var script = $$"""
            import imaplib, json, urllib.request, urllib.error, urllib.parse
            base = "{{api.BaseUrl}}"
            token = "{{api.AdminToken}}"
            user = "{{user}}"
            answer = None
            def call(method, path, body=None):
                global answer
                data = None if body is None else json.dumps(body).encode()
                req = urllib.request.Request(base + path, data=data, method=method, headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=20) as r:
                        text = r.read()
                        answer = json.loads(text) if text else None
                        return r.status
                except urllib.error.HTTPError as e:
                    answer = json.loads(e.read() or b"null")
                    return e.code
            clients = []
            for i in range({{sessions.ToString(CultureInfo.InvariantCulture)}}):
                m = imaplib.IMAP4("127.0.0.1", {{api.Server.Port("imap").ToString(CultureInfo.InvariantCulture)}}, timeout=10)
                m.login(user, "{{Password}}")
                clients.append(m)
            call("GET", "/api/v1/sessions?user=" + user)
            listed = answer
            {{action}}
            lines = []
            for m in clients:
                try:
                    lines.append(m.readline().decode().strip())
                except Exception as e:
                    lines.append("error: " + repr(e))
            print(json.dumps({"listed": listed, "status": status, "answer": answer, "lines": lines}))
            """;
        var run = await ExternalProcess.PythonAsync(script, TimeSpan.FromSeconds(60));
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run));
        return JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }
}
