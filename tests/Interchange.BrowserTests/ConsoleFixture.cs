using System.Text.RegularExpressions;
using Interchange.IntegrationTests;
using Microsoft.Playwright;
using Xunit;

namespace Interchange.BrowserTests;

/// <summary>
/// One real <c>interchange serve</c> (SMTP and HTTP on loopback, primary domain
/// <see cref="Domain"/>) and one headless Debian chromium driven by Playwright, shared by the
/// console's browser tests. The first-run postmaster (an administrator) signs in with the
/// password the server printed.
/// </summary>
public sealed partial class ConsoleFixture : IAsyncLifetime
{
    public const string Domain = "console.test";

    private readonly ScratchFolder _data = new();
    private IPlaywright? _playwright;

    public ServerProcess Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl => $"http://127.0.0.1:{Server.Port("http")}";

    public int SmtpPort => Server.Port("smtp");

    public string AdminAddress => $"postmaster@{Domain}";

    /// <summary>The server's data folder (for the CLI beside it).</summary>
    public string DataPath => _data.Path;

    public string AdminPassword { get; private set; } = string.Empty;

    /// <summary>Where the screenshots go: the test output folder's <c>screenshots/</c>.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Screenshots);
        Server = await ServerProcess.StartAsync(_data.Path, ["smtp", "http"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = Domain,
        });
        var line = Server.Stdout.FirstOrDefault(l => l.StartsWith($"password for {AdminAddress}: ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("the server printed no first-run password:\n" + string.Join('\n', Server.Stdout));
        AdminPassword = line[(line.LastIndexOf(' ') + 1)..];
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Args = ["--no-sandbox", "--disable-gpu"] });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        _data.Dispose();
    }

    /// <summary>A fresh browser context (its own cookies), desktop-sized unless told otherwise; confirm dialogs are accepted.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = BaseUrl, ViewportSize = new() { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        return page;
    }

    public static async Task SignInAsync(IPage page, string address, string password)
    {
        await page.GotoAsync("/signin");
        await page.GetByLabel("Address").FillAsync(address);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    }

    /// <summary>Saves a full-page screenshot as a test artifact and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(Screenshots, SafeName().Replace(name, "-") + ".png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        Console.WriteLine($"screenshot: {path}");
        return path;
    }

    [GeneratedRegex("[^a-z0-9-]+")]
    private static partial Regex SafeName();
}
