using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Api;

/// <summary>
/// One server for the API tests: SMTP, IMAP and the http listener on loopback, primary domain
/// example.test (its postmaster is the first administrator), mail for remote.test parked on a
/// connector nobody runs (so it stays queued), and an admin token made the bootstrap way, with
/// <c>interchange token create</c>. Every API answer goes through <see cref="SendAsync"/>, which
/// checks that it carries no password hash, token hash or private key.
/// </summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    public const string Domain = "example.test";
    public const string Admin = "postmaster@example.test";
    public const string ParkedConnector = "parked";

    private readonly ScratchFolder _data = new();
    private readonly List<string> _secrets = ["$pbkdf2-sha256$", "PRIVATE KEY"];
    private HttpClient? _http;
    private ServerProcess? _server;

    public string DataPath => _data.Path;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("not started");

    public string AdminToken { get; private set; } = "";

    public string BaseUrl => $"http://127.0.0.1:{Server.Port("http")}";

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_data.Path, ["smtp", "imap", "http"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = Domain,
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Transport__Routes__0__AddressSpace"] = "remote.test",
            ["INTERCHANGE__Transport__Routes__0__Connector"] = ParkedConnector,
        });
        var created = await CliAsync(null, "token", "create", Admin, "--name", "tests");
        created.ExitCode.ShouldBe(0, ExternalProcess.Describe(created));
        AdminToken = created.Stdout.Trim().Split('\n')[^1].Trim();
        AdminToken.ShouldStartWith("ixt_");
        Remember(AdminToken);
        _http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        _http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _data.Dispose();
    }

    public Task<ExternalProcess.Result> CliAsync(string? stdin, params string[] arguments) => InterchangeBinary.CliAsync(_data.Path, stdin, arguments);

    /// <summary>A token seen: the hash of its secret (what the store keeps) may appear in no answer.</summary>
    public void Remember(string token)
    {
        var secret = token[(token.IndexOf('_', 4) + 1)..];
        _secrets.Add(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))));
    }

    /// <summary>Private key material (base64 lines of a PEM) that no answer may contain.</summary>
    public void Forbid(string text) => _secrets.Add(text);

    public Task<ApiResponse> GetAsync(string path, string? token = "") => SendAsync(HttpMethod.Get, path, null, token);

    public Task<ApiResponse> DeleteAsync(string path, string? token = "") => SendAsync(HttpMethod.Delete, path, null, token);

    public Task<ApiResponse> PostAsync(string path, object body, string? token = "") => SendAsync(HttpMethod.Post, path, body, token);

    public Task<ApiResponse> PatchAsync(string path, object body, string? token = "") => SendAsync(HttpMethod.Patch, path, body, token);

    /// <summary>
    /// One request. <paramref name="token"/>: "" for the admin token, null for none, else that
    /// token (or a whole Authorization value when it has a space). <paramref name="body"/>: a
    /// string is sent as is (bad JSON tests), anything else as JSON.
    /// </summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, object? body, string? token = "", string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        var credential = token == "" ? AdminToken : token;
        if (credential is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", credential.Contains(' ', StringComparison.Ordinal) ? credential : "Bearer " + credential);
        }

        if (body is not null)
        {
            var text = body as string ?? System.Text.Json.JsonSerializer.Serialize(body);
            request.Content = new StringContent(text, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await _http!.SendAsync(request);
        var answer = new ApiResponse(
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.MediaType,
            response.Headers.Location?.OriginalString,
            response.Headers.TryGetValues("Link", out var link) ? string.Join(", ", link) : null,
            response.Headers.WwwAuthenticate.ToString(),
            await response.Content.ReadAsStringAsync());
        var created = answer.Body.Contains("\"token\":\"ixt_", StringComparison.Ordinal) ? answer.Json["token"]!.GetValue<string>() : null;
        foreach (var secret in _secrets)
        {
            answer.Body.ShouldNotContain(secret, Case.Sensitive, $"{method} {path} answered with a secret");
        }

        if (created is not null)
        {
            Remember(created);
        }

        return answer;
    }
}

/// <summary>An answer: status, media type, Location, Link, WWW-Authenticate and the body.</summary>
public sealed record ApiResponse(int Status, string? MediaType, string? Location, string? Link, string WwwAuthenticate, string Body)
{
    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("empty body");

    /// <summary>Asserts an RFC 9457 problem details answer with <paramref name="status"/> and returns its detail.</summary>
    public string ShouldBeProblem(int status)
    {
        Status.ShouldBe(status, Body);
        MediaType.ShouldBe("application/problem+json", Body);
        var json = Json;
        json["status"]!.GetValue<int>().ShouldBe(status);
        json["title"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        json["type"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        return json["detail"]?.GetValue<string>() ?? "";
    }

    public ApiResponse ShouldBe(int status)
    {
        Status.ShouldBe(status, Body);
        return this;
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiServerFixture>
{
    public const string Name = "api";
}
