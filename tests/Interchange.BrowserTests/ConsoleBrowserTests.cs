using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Deque.AxeCore.Playwright;
using Interchange.IntegrationTests;
using Microsoft.Playwright;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.BrowserTests;

/// <summary>
/// The web console in a real browser (Debian's chromium through Playwright) against a real
/// <c>interchange serve</c>; mail comes from <c>swaks</c>. Each test saves screenshots of the
/// pages it visits (<see cref="ConsoleFixture.Screenshots"/>).
/// </summary>
public sealed class ConsoleBrowserTests(ConsoleFixture fixture, ITestOutputHelper output) : IClassFixture<ConsoleFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Administrator_SignsIn_ManagesUsers_WatchesMail_HoldsAndReleases_Imports_Deletes_SignsOut()
    {
        var page = await fixture.NewPageAsync();
        var browserErrors = WatchErrors(page);

        // A wrong password is refused, with one message that does not say which part was wrong.
        await ConsoleFixture.SignInAsync(page, fixture.AdminAddress, "not-the-password");
        page.Url.ShouldContain("/signin");
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("The address or password is not right.");
        await Shot(page, "signin-refused");

        await ConsoleFixture.SignInAsync(page, fixture.AdminAddress, fixture.AdminPassword);
        await page.WaitForURLAsync("**/console");
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Dashboard");
        (await Card(page, "auth-failures")).ShouldBeGreaterThanOrEqualTo(1); // the refused sign-in, counted by the authenticator's instrument
        (await Card(page, "queue-depth")).ShouldBe(0);
        await Shot(page, "dashboard-empty");

        // Create a user.
        await page.GotoAsync("/console/users");
        await page.GetByLabel("Address").FillAsync($"carol@{ConsoleFixture.Domain}");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("Carol-Secret-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Created." }).WaitForAsync();
        (await page.GetByRole(AriaRole.Link, new() { Name = $"carol@{ConsoleFixture.Domain}" }).CountAsync()).ShouldBe(1);
        await Shot(page, "users");

        // swaks sends her mail; it is delivered locally.
        await SwaksAsync($"carol@{ConsoleFixture.Domain}", "hello carol");

        // A route to a smart host that refuses connections, and an alias that sends there: that message stays queued.
        await page.GotoAsync("/console/routes");
        await page.GetByLabel("Address space").FillAsync("stuck.test");
        await page.GetByLabel("Smart host").FillAsync("[127.0.0.1]:1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add route" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Added." }).WaitForAsync();
        (await page.Locator("table.list tbody tr", new() { HasText = "stuck.test" }).InnerTextAsync()).ShouldContain("[127.0.0.1]:1");
        await Shot(page, "routes");

        await page.GotoAsync("/console/aliases");
        await page.GetByLabel("Alias", new() { Exact = true }).FillAsync($"fwd@{ConsoleFixture.Domain}");
        await page.GetByLabel("Delivers to").FillAsync("someone@stuck.test");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add alias" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Added." }).WaitForAsync();
        await Shot(page, "aliases");

        await SwaksAsync($"fwd@{ConsoleFixture.Domain}", "for the stuck host");

        // The queue page shows it deferred (the smart host refused), and the dashboard counts it.
        var row = page.Locator("table.list tbody tr", new() { HasText = "someone@stuck.test" });
        await ReloadUntilAsync(page, "/console/queue", async () => await row.CountAsync() == 1 && (await row.InnerTextAsync()).Contains("Deferred", StringComparison.Ordinal));
        (await row.InnerTextAsync()).ShouldContain($"sent to fwd@{ConsoleFixture.Domain}");
        await Shot(page, "queue");

        await page.GotoAsync("/console");
        (await Card(page, "queue-depth")).ShouldBe(1);
        (await Card(page, "deferred")).ShouldBeGreaterThanOrEqualTo(1);
        (await page.Locator("svg.chart rect.deferred").CountAsync()).ShouldBeGreaterThanOrEqualTo(1);
        await Shot(page, "dashboard");

        // Hold it, then release it, from the queue page.
        await page.GotoAsync("/console/queue");
        await row.Locator("input[type=checkbox]").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Hold" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Hold: 1 recipient(s) of 1 message(s) changed." }).WaitForAsync();
        (await row.InnerTextAsync()).ShouldContain("Held");
        await Shot(page, "queue-held");

        await row.Locator("input[type=checkbox]").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Release: 1 recipient(s) of 1 message(s) changed." }).WaitForAsync();
        (await row.InnerTextAsync()).ShouldNotContain("Held");
        await Shot(page, "queue-released");

        // Import a CSV with bad rows; the page polls the job's progress until it is done.
        var (csv, users, badLines) = ImportFile();
        var polls = new ConcurrentQueue<JsonElement>(); // filled by Playwright's event thread
        page.Response += async (_, response) =>
        {
            if (response.Url.EndsWith("/console/import/status", StringComparison.Ordinal) && response.Ok)
            {
                try
                {
                    var json = JsonDocument.Parse(await response.TextAsync()).RootElement.Clone();
                    polls.Enqueue(json);
                }
                catch (PlaywrightException)
                {
                    // The page reloaded (the import finished) before the body was read: that poll is not counted.
                }
            }
        };
        await page.GotoAsync("/console/import");
        await page.GetByLabel("File").SetInputFilesAsync(new FilePayload { Name = "people.csv", MimeType = "text/csv", Buffer = csv });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        (await page.Locator("progress").CountAsync()).ShouldBe(1);
        await Shot(page, "import-running");
        await page.GetByText("Finished:").WaitForAsync(new() { Timeout = (float)Bound.TotalMilliseconds });
        var summary = await page.Locator("[data-progress-text]").InnerTextAsync();
        summary.ShouldBe($"Finished: {users + 4 + badLines.Count} row(s): {users + 3} changed, 1 unchanged, {badLines.Count} refused.");
        var refused = await page.Locator("table.list tbody tr td:first-child").AllInnerTextsAsync();
        refused.Select(l => long.Parse(l, CultureInfo.InvariantCulture)).ShouldBe(badLines);
        var seen = polls.ToArray();

        seen.ShouldNotBeEmpty("the page polled the import's progress");
        seen.ShouldAllBe(p => p.GetProperty("total").GetInt64() == csv.Length);
        await Shot(page, "import-finished");

        await page.GotoAsync($"/console/users?q=u1500@imported.test");
        (await page.GetByRole(AriaRole.Link, new() { Name = "u1500@imported.test" }).CountAsync()).ShouldBe(1);
        await page.GotoAsync("/console/groups");
        (await page.Locator("table.list tbody tr", new() { HasText = "team@imported.test" }).InnerTextAsync()).ShouldContain("u2@imported.test");
        await Shot(page, "groups");
        await page.GotoAsync("/console/domains");
        (await page.Locator("table.list tbody tr", new() { HasText = "imported.test" }).CountAsync()).ShouldBe(1);
        await Shot(page, "domains");
        // A DKIM key made with the CLI beside the running server: the page shows the record to publish, never the private key.
        var generated = await InterchangeBinary.CliAsync(fixture.DataPath, null, "dkim", "generate", ConsoleFixture.Domain);
        generated.ExitCode.ShouldBe(0, ExternalProcess.Describe(generated));
        await page.GotoAsync("/console/dkim");
        var records = await page.Locator("pre.record").AllInnerTextsAsync();
        records.ShouldHaveSingleItem().ShouldMatch($"^[a-z0-9-]+\\._domainkey\\.console\\.test\\. IN TXT \"v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+");
        (await page.ContentAsync()).ShouldNotContain("PRIVATE KEY");
        await Shot(page, "dkim");

        // Delete the user.
        await page.GotoAsync($"/console/users?q=carol");
        await page.Locator("table.list tbody tr", new() { HasText = $"carol@{ConsoleFixture.Domain}" }).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Deleted." }).WaitForAsync();
        await page.GotoAsync($"/console/users?q=carol");
        (await page.GetByRole(AriaRole.Link, new() { Name = $"carol@{ConsoleFixture.Domain}" }).CountAsync()).ShouldBe(0);
        await Shot(page, "users-after-delete");

        // Sign out: the console is closed again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**/signin?signedOut=1");
        await page.GetByText("You are signed out.").WaitForAsync();
        await Shot(page, "signed-out");
        await page.GotoAsync("/console/users");
        page.Url.ShouldContain("/signin?ReturnUrl=%2Fconsole%2Fusers");

        browserErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task User_WhoIsNoAdministrator_CannotOpenAdminPages_ButChangesTheirOwnPassword()
    {
        var admin = await fixture.NewPageAsync();
        await ConsoleFixture.SignInAsync(admin, fixture.AdminAddress, fixture.AdminPassword);
        await admin.GotoAsync("/console/users");
        await admin.GetByLabel("Address").FillAsync($"dave@{ConsoleFixture.Domain}");
        await admin.GetByLabel("Password", new() { Exact = true }).FillAsync("Dave-Secret-1");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await admin.GetByRole(AriaRole.Status).Filter(new() { HasText = "Created." }).WaitForAsync();

        var page = await fixture.NewPageAsync();
        var browserErrors = WatchErrors(page);
        await ConsoleFixture.SignInAsync(page, $"dave@{ConsoleFixture.Domain}", "Dave-Secret-1");
        await page.WaitForURLAsync("**/account");
        foreach (var path in new[] { "/console", "/console/users", "/console/queue", "/console/import" })
        {
            await page.GotoAsync(path);
            page.Url.ShouldContain("/denied");
            (await page.Locator("h1").InnerTextAsync()).ShouldBe("Not allowed");
        }

        await Shot(page, "denied");

        // A post to an admin action is refused too (with a valid token of this page).
        var token = await page.Locator("input[name=__af]").First.GetAttributeAsync("value");
        var post = await page.APIRequest.PostAsync("/console/users", new() { Form = Form(page, ("__af", token!), ("address", $"mallory@{ConsoleFixture.Domain}"), ("password", "Mallory-Secret-1")), MaxRedirects = 0 });
        post.Status.ShouldBe(302);
        post.Headers["location"].ShouldContain("/denied");

        await page.GotoAsync("/account");
        await Shot(page, "account");
        await page.GetByLabel("Current password").FillAsync("wrong-password");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("Dave-Secret-2");
        await page.GetByLabel("New password again").FillAsync("Dave-Secret-2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("The current password is not right.");

        await page.GetByLabel("Current password").FillAsync("Dave-Secret-1");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("Dave-Secret-2");
        await page.GetByLabel("New password again").FillAsync("Dave-Secret-2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Your password is changed." }).WaitForAsync();
        await Shot(page, "account-password-changed");

        // The old password no longer works; the new one does.
        var again = await fixture.NewPageAsync();
        await ConsoleFixture.SignInAsync(again, $"dave@{ConsoleFixture.Domain}", "Dave-Secret-1");
        (await again.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("not right");
        await ConsoleFixture.SignInAsync(again, $"dave@{ConsoleFixture.Domain}", "Dave-Secret-2");
        await again.WaitForURLAsync("**/account");

        // The mallory post changed nothing.
        await admin.GotoAsync("/console/users?q=mallory");
        (await admin.GetByRole(AriaRole.Link, new() { Name = $"mallory@{ConsoleFixture.Domain}" }).CountAsync()).ShouldBe(0);
        browserErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task FormPost_WithoutAValidAntiforgeryToken_IsRefused_AndChangesNothing()
    {
        var page = await fixture.NewPageAsync();
        await ConsoleFixture.SignInAsync(page, fixture.AdminAddress, fixture.AdminPassword);
        await page.GotoAsync("/console/users");

        // The browser's own cookies (signed in, antiforgery cookie) but no form token: refused.
        var missing = await page.APIRequest.PostAsync("/console/users", new() { Form = Form(page, ("address", $"eve@{ConsoleFixture.Domain}"), ("password", "Eve-Secret-12")), MaxRedirects = 0 });
        missing.Status.ShouldBe(400);
        (await missing.TextAsync()).ShouldContain("This form has expired or did not come from this console");

        // A forged token: refused too.
        var forged = await page.APIRequest.PostAsync("/console/users", new() { Form = Form(page, ("__af", "CfDJ8forged"), ("address", $"eve@{ConsoleFixture.Domain}"), ("password", "Eve-Secret-12")), MaxRedirects = 0 });
        forged.Status.ShouldBe(400);

        // A token from another browser's session (its own cookie pair) does not fit this one.
        var other = await fixture.NewPageAsync();
        await ConsoleFixture.SignInAsync(other, fixture.AdminAddress, fixture.AdminPassword);
        await other.GotoAsync("/console/users");
        var otherToken = await other.Locator("input[name=__af]").First.GetAttributeAsync("value");
        var crossed = await page.APIRequest.PostAsync("/console/users", new() { Form = Form(page, ("__af", otherToken!), ("address", $"eve@{ConsoleFixture.Domain}"), ("password", "Eve-Secret-12")), MaxRedirects = 0 });
        crossed.Status.ShouldBe(400);

        await page.GotoAsync("/console/users?q=eve");
        (await page.GetByRole(AriaRole.Link, new() { Name = $"eve@{ConsoleFixture.Domain}" }).CountAsync()).ShouldBe(0);
        await Shot(page, "users-search-none");
    }

    [Fact]
    public async Task Pages_CarryAStrictContentSecurityPolicy_AndSecureCookies()
    {
        var page = await fixture.NewPageAsync();
        var browserErrors = WatchErrors(page);
        var signIn = await page.GotoAsync("/signin");
        Check(signIn!);
        await ConsoleFixture.SignInAsync(page, fixture.AdminAddress, fixture.AdminPassword);
        foreach (var path in new[] { "/console", "/console/users", "/console/groups", "/console/aliases", "/console/domains", "/console/routes", "/console/queue", "/console/import", "/console/dkim", "/account" })
        {
            Check((await page.GotoAsync(path))!);
        }

        var cookies = await page.Context.CookiesAsync();
        var session = cookies.Single(c => c.Name == "interchange");
        (session.HttpOnly, session.SameSite).ShouldBe((true, SameSiteAttribute.Strict));
        var antiforgery = cookies.Single(c => c.Name == "interchange.af");
        (antiforgery.HttpOnly, antiforgery.SameSite).ShouldBe((true, SameSiteAttribute.Strict));

        // The browser enforced the policy on every page and had nothing to refuse: no inline script or style anywhere.
        browserErrors.ShouldBeEmpty();

        static void Check(IResponse response)
        {
            response.Status.ShouldBe(200, response.Url);
            var csp = response.Headers["content-security-policy"];
            csp.ShouldContain("default-src 'self'");
            csp.ShouldContain("script-src 'self'");
            csp.ShouldContain("style-src 'self'");
            csp.ShouldContain("frame-ancestors 'none'");
            csp.ShouldNotContain("unsafe-inline");
            csp.ShouldNotContain("unsafe-eval");
            response.Headers["x-content-type-options"].ShouldBe("nosniff");
            response.Headers["referrer-policy"].ShouldBe("no-referrer");
            response.Headers["content-type"].ShouldBe("text/html; charset=utf-8");
        }
    }

    [Fact]
    public async Task PhoneSizedViewport_RendersTheUsersPage_WithoutScrollingSideways()
    {
        var page = await fixture.NewPageAsync(width: 375, height: 740);
        await ConsoleFixture.SignInAsync(page, fixture.AdminAddress, fixture.AdminPassword);
        await page.GotoAsync("/console/users");
        await page.GetByLabel("Address").FillAsync($"a.rather.long.name.for.a.phone.screen@{ConsoleFixture.Domain}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Created." }).WaitForAsync();
        await page.GotoAsync("/console/users");
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        var (scroll, client) = (widths[0], widths[1]);
        client.ShouldBe(375);
        scroll.ShouldBeLessThanOrEqualTo(client);
        await Shot(page, "users-phone");
        await page.GotoAsync("/console");
        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375);
        await Shot(page, "dashboard-phone");
    }

    [Fact]
    public async Task Pages_PassAxeAccessibilityChecks()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/signin");
        var problems = new List<string>();
        await AuditAsync(page, problems);
        await ConsoleFixture.SignInAsync(page, fixture.AdminAddress, fixture.AdminPassword);
        foreach (var path in new[] { "/console", "/console/users", "/console/groups", "/console/aliases", "/console/domains", "/console/routes", "/console/queue", "/console/import", "/console/dkim", "/account" })
        {
            await page.GotoAsync(path);
            await AuditAsync(page, problems);
        }

        problems.ShouldBeEmpty();

        static async Task AuditAsync(IPage page, List<string> problems)
        {
            var results = await page.RunAxe();
            problems.AddRange(results.Violations.Select(v => $"{page.Url}: {v.Id} ({v.Impact}): {v.Help}: {string.Join(" | ", v.Nodes.Select(n => n.Html))}"));
        }
    }

    private static async Task<long> Card(IPage page, string id) =>
        long.Parse((await page.Locator($"#card-{id} .value").InnerTextAsync()).Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);

    private static IFormData Form(IPage page, params (string Name, string Value)[] fields)
    {
        var form = page.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }

    /// <summary>Console errors and script errors: a CSP violation ("Refused to load/apply/execute…") shows here.</summary>
    private static ConcurrentQueue<string> WatchErrors(IPage page)
    {
        var errors = new ConcurrentQueue<string>(); // filled by Playwright's event thread, read by the test
        page.Console += (_, message) =>
        {
            // A refused status (401, 403, 400) is logged by chromium as an error too; those the
            // tests expect and check themselves. Anything else (a CSP refusal, a script error) counts.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal))
            {
                errors.Enqueue(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Enqueue(error);
        return errors;
    }

    private async Task Shot(IPage page, string name) => output.WriteLine("screenshot: " + await ConsoleFixture.ScreenshotAsync(page, name));

    private async Task SwaksAsync(string to, string subject)
    {
        var sent = await ExternalProcess.RunAsync("swaks", ["--server", $"127.0.0.1:{fixture.SmtpPort}", "--from", "sender@elsewhere.test", "--to", to, "--header", $"Subject: {subject}"], timeout: TimeSpan.FromSeconds(30));
        sent.ExitCode.ShouldBe(0, ExternalProcess.Describe(sent));
    }

    /// <summary>Reloads a page until a condition holds, within <see cref="Bound"/>.</summary>
    private static async Task ReloadUntilAsync(IPage page, string path, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            await page.GotoAsync(path);
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} never showed what was expected:\n{await page.Locator("main").InnerTextAsync()}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>A CSV of a domain, many users, an alias, a group with a member, a row already there, and bad rows (their line numbers).</summary>
    private static (byte[] Csv, int Users, List<long> BadLines) ImportFile()
    {
        const int users = 1500;
        var text = new StringBuilder("type,address,password_hash,disabled,role,targets\n");
        var line = 1L;
        var bad = new List<long>();
        void Row(string row, bool isBad = false)
        {
            text.Append(row).Append('\n');
            line++;
            if (isBad)
            {
                bad.Add(line);
            }
        }

        Row("domain,imported.test,,,,");
        for (var i = 1; i <= users; i++)
        {
            Row($"user,u{i}@imported.test,,,,");
            if (i == 700)
            {
                Row("user,not an address,,,,", isBad: true);
                Row("frobnicate,x@imported.test,,,,", isBad: true);
            }
        }

        Row("alias,all@imported.test,,,,u1@imported.test");
        Row("group,team@imported.test,,,,u2@imported.test");
        Row("user,u1@imported.test,,,,"); // already there: unchanged
        Row("alias,nowhere@imported.test,,,,", isBad: true);
        Row("\"user,\"broken@imported.test,,,,", isBad: true);
        return (Encoding.UTF8.GetBytes(text.ToString()), users, bad);
    }
}
