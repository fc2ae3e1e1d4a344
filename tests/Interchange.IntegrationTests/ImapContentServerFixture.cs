using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// A server for the message-content tests: SMTP takes messages up to 64 MiB (the default fixture's
/// limit is small), IMAP is plaintext on loopback (no TLS cost in memory and time figures), and
/// one user, content@example.test. A SEARCH may read 16 MiB of message text (the default is 1 GiB).
/// </summary>
public sealed class ImapContentServerFixture : IAsyncLifetime
{
    public const string User = "content@example.test";
    public const string Password = "content-secret-1";

    public const long SearchBytes = 16L * 1024 * 1024;

    private readonly ScratchFolder _data = new();

    public ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartAsync(_data.Path, ["smtp", "imap"], environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "example.test",
            ["INTERCHANGE__Smtp__MaxMessageSize"] = (64 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Imap__MaxSearchBytes"] = SearchBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["INTERCHANGE__Transport__PollInterval"] = "00:00:00.500",
        });
        (await InterchangeBinary.CliAsync(_data.Path, Password + "\n", ["user", "add", User, "--password-stdin"])).ExitCode.ShouldBe(0);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _data.Dispose();
    }
}
