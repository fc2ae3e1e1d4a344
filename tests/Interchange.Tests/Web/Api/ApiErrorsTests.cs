using System.Security.Claims;
using System.Text.Json;
using Interchange.Directory.Administration;
using Interchange.Storage.Accounts;
using Interchange.Web.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;

namespace Interchange.Tests.Web.Api;

/// <summary>
/// The API's error middleware on its own: a change made with the console's cookie (no
/// Authorization header) is refused (the CSRF rule), refusals of the directory map to their status
/// codes, and a bodiless error gets a problem details body.
/// </summary>
public sealed class ApiErrorsTests
{
    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    [InlineData("PUT")]
    public async Task A_change_signed_in_by_cookie_alone_is_refused(string method)
    {
        var http = Context(method, cookieUser: true);
        var reached = false;
        await ApiErrors.InvokeAsync(http, _ => { reached = true; return Task.CompletedTask; });
        reached.ShouldBeFalse();
        (await Problem(http)).GetProperty("status").GetInt32().ShouldBe(403);
    }

    [Fact]
    public async Task A_read_by_cookie_and_a_change_with_a_token_go_through()
    {
        var read = Context("GET", cookieUser: true);
        var reached = 0;
        await ApiErrors.InvokeAsync(read, _ => { reached++; return Task.CompletedTask; });
        var change = Context("POST", cookieUser: true);
        change.Request.Headers.Authorization = "Bearer ixt_x";
        await ApiErrors.InvokeAsync(change, _ => { reached++; return Task.CompletedTask; });
        reached.ShouldBe(2);
        read.Response.StatusCode.ShouldBe(200);
    }

    [Theory]
    [InlineData(DirectoryStoreError.NotFound, 404)]
    [InlineData(DirectoryStoreError.Duplicate, 409)]
    [InlineData(DirectoryStoreError.Conflict, 409)]
    public async Task Directory_refusals_become_their_status_codes(DirectoryStoreError error, int status)
    {
        var http = Context("POST", cookieUser: false);
        await ApiErrors.InvokeAsync(http, _ => throw new DirectoryStoreException(error, "refused for a reason"));
        var problem = await Problem(http);
        (problem.GetProperty("status").GetInt32(), problem.GetProperty("detail").GetString()).ShouldBe((status, "refused for a reason"));
    }

    [Fact]
    public async Task Bad_input_is_400_and_an_unexpected_failure_500_without_its_message()
    {
        var bad = Context("POST", cookieUser: false);
        await ApiErrors.InvokeAsync(bad, _ => throw new DirectoryInputException("not an address"));
        (await Problem(bad)).GetProperty("status").GetInt32().ShouldBe(400);

        var broken = Context("GET", cookieUser: false);
        await ApiErrors.InvokeAsync(broken, _ => throw new InvalidOperationException("secret internals"));
        var problem = await Problem(broken);
        problem.GetProperty("status").GetInt32().ShouldBe(500);
        problem.GetProperty("detail").GetString()!.ShouldNotContain("secret internals");
    }

    [Fact]
    public async Task A_bodiless_error_gets_a_problem_body()
    {
        var http = Context("PUT", cookieUser: false);
        await ApiErrors.InvokeAsync(http, c => { c.Response.StatusCode = 405; return Task.CompletedTask; });
        (await Problem(http)).GetProperty("title").GetString().ShouldBe("Method Not Allowed");
    }

    [Fact]
    public async Task Plain_http_from_another_machine_is_refused_before_the_request_is_read()
    {
        var http = Context("GET", cookieUser: false, client: System.Net.IPAddress.Parse("192.0.2.7"));
        var reached = false;
        await ApiErrors.InvokeAsync(http, _ => { reached = true; return Task.CompletedTask; });
        reached.ShouldBeFalse();
        (await Problem(http)).GetProperty("status").GetInt32().ShouldBe(403);

        var https = Context("GET", cookieUser: false, client: System.Net.IPAddress.Parse("192.0.2.7"));
        https.Request.IsHttps = true;
        await ApiErrors.InvokeAsync(https, _ => { reached = true; return Task.CompletedTask; });
        reached.ShouldBeTrue("over HTTPS it goes through");
    }

    private static DefaultHttpContext Context(string method, bool cookieUser, System.Net.IPAddress? client = null)
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().AddSingleton(new Interchange.Web.WebOptions()).BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Connection.RemoteIpAddress = client ?? System.Net.IPAddress.Loopback;
        http.Request.Method = method;
        http.Request.Path = "/api/v1/users";
        http.Response.Body = new MemoryStream();
        if (cookieUser)
        {
            http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin@example.com")], "Interchange.Console"));
        }

        return http;
    }

    private static async Task<JsonElement> Problem(DefaultHttpContext http)
    {
        http.Response.ContentType.ShouldStartWith("application/problem+json");
        http.Response.Body.Position = 0;
        using var document = await JsonDocument.ParseAsync(http.Response.Body);
        return document.RootElement.Clone();
    }
}
