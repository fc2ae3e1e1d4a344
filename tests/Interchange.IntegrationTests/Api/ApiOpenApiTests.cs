using System.Text.Json.Nodes;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Api;

/// <summary>
/// The OpenAPI document at <c>/api/v1/openapi.json</c>, judged by an independent validator
/// (<c>@seriousme/openapi-schema-validator</c>, checking against the official OpenAPI 3.x JSON
/// schemas; installed from npm into a scratch folder), and read for what it must say: every API
/// endpoint, its error responses, and the security schemes.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiOpenApiTests(ApiServerFixture api)
{
    private const string Validator = "@seriousme/openapi-schema-validator@2.11.0";

    [Fact]
    public async Task The_document_is_valid_OpenAPI_and_describes_every_endpoint_with_its_security()
    {
        var document = (await api.GetAsync("/api/v1/openapi.json", token: null)).ShouldBe(200);
        var path = Path.Combine(api.DataPath, "openapi.json");
        await File.WriteAllTextAsync(path, document.Body);

        var folder = Path.Combine(Path.GetTempPath(), "interchange-openapi-validator");
        if (!File.Exists(Path.Combine(folder, "node_modules", "@seriousme", "openapi-schema-validator", "package.json")))
        {
            System.IO.Directory.CreateDirectory(folder);
            var install = await ExternalProcess.RunAsync("npm", ["install", "--no-audit", "--no-fund", "--prefix", folder, Validator], timeout: TimeSpan.FromMinutes(5));
            install.ExitCode.ShouldBe(0, ExternalProcess.Describe(install));
        }

        var script = Path.Combine(folder, "validate.mjs");
        await File.WriteAllTextAsync(script, """
            import { Validator } from "@seriousme/openapi-schema-validator";
            const validator = new Validator();
            const result = await validator.validate(process.argv[2]);
            console.log(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));
            """);
        var validated = await ExternalProcess.RunAsync("node", [script, path], timeout: TimeSpan.FromMinutes(1), workingDirectory: folder);
        validated.ExitCode.ShouldBe(0, ExternalProcess.Describe(validated));
        var verdict = JsonNode.Parse(validated.Stdout)!;
        verdict["valid"]!.GetValue<bool>().ShouldBeTrue(validated.Stdout);
        verdict["version"]!.GetValue<string>().ShouldBe("3.1");

        var json = document.Json;
        json["openapi"]!.GetValue<string>().ShouldStartWith("3.1");
        var schemes = json["components"]!["securitySchemes"]!;
        (schemes["apiToken"]!["type"]!.GetValue<string>(), schemes["apiToken"]!["scheme"]!.GetValue<string>()).ShouldBe(("http", "bearer"));
        schemes["consoleCookie"]!["in"]!.GetValue<string>().ShouldBe("cookie");

        string[] expected =
        [
            "GET /api/v1/domains", "POST /api/v1/domains", "GET /api/v1/domains/{name}", "DELETE /api/v1/domains/{name}",
            "GET /api/v1/users", "POST /api/v1/users", "GET /api/v1/users/{address}", "PATCH /api/v1/users/{address}", "DELETE /api/v1/users/{address}",
            "GET /api/v1/aliases", "POST /api/v1/aliases", "GET /api/v1/aliases/{alias}", "DELETE /api/v1/aliases/{alias}",
            "POST /api/v1/aliases/{alias}/targets", "DELETE /api/v1/aliases/{alias}/targets/{target}",
            "GET /api/v1/groups", "POST /api/v1/groups", "GET /api/v1/groups/{address}", "DELETE /api/v1/groups/{address}",
            "POST /api/v1/groups/{address}/members", "DELETE /api/v1/groups/{address}/members/{member}",
            "GET /api/v1/routes", "POST /api/v1/routes", "DELETE /api/v1/routes/{addressSpace}",
            "GET /api/v1/queue", "GET /api/v1/queue/{id}", "DELETE /api/v1/queue/{id}", "POST /api/v1/queue/{id}/{action}", "POST /api/v1/queue/{action}",
            "GET /api/v1/dkim/keys", "GET /api/v1/sessions", "DELETE /api/v1/sessions", "DELETE /api/v1/sessions/{id}", "GET /api/v1/status",
            "GET /api/v1/tokens", "POST /api/v1/tokens", "DELETE /api/v1/tokens/{id}", "GET /api/v1/me", "PUT /api/v1/me/password",
        ];
        var operations = json["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => (Name: $"{o.Key.ToUpperInvariant()} {p.Key}", Operation: o.Value!)))
            .ToList();
        operations.Select(o => o.Name).Order(StringComparer.Ordinal).ShouldBe(expected.Order(StringComparer.Ordinal));
        foreach (var (name, operation) in operations)
        {
            operation["summary"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace(name);
            var responses = operation["responses"]!.AsObject();
            responses.ShouldContain(r => r.Key.StartsWith('2'), name);
            foreach (var status in new[] { "401", "403" })
            {
                responses[status]!["content"]!["application/problem+json"].ShouldNotBeNull($"{name} {status}");
            }

            var security = operation["security"]!.AsArray().SelectMany(s => s!.AsObject().Select(r => r.Key)).ToList();
            security.ShouldBe(["apiToken", "consoleCookie"], name);
        }
    }
}
