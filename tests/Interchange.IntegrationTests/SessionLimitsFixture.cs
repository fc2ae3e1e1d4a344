using System.Globalization;
using System.Text.Json;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests;

/// <summary>
/// One server per test class with small session limits, so that tests of deadlines and data rates
/// are short: 3 s to log in, 5 s from connect (or the last message) to SMTP DATA, and 200 bytes/s
/// after a 1 s grace for SMTP DATA/BDAT and IMAP literals, and 1 MB/s after 1 s for POP3 responses. Plaintext logins from loopback are
/// allowed, so a raw socket can log in.
/// </summary>
public class SessionLimitsFixture : IAsyncLifetime
{
    public const string Domain = "example.test";
    public const string Password = "limits-secret-1";
    public static readonly TimeSpan LoginTimeout = TimeSpan.FromSeconds(3);

    private readonly ScratchFolder _data = new();

    public ServerProcess Server { get; private set; } = null!;

    public string DataPath => _data.Path;

    /// <summary>False: the defaults, for tests where a deadline must not end the session first.</summary>
    protected virtual bool SmallLimits => true;

    /// <summary>More settings for a derived fixture.</summary>
    protected virtual IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        var environment = new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = Domain,
            ["INTERCHANGE__Transport__PollInterval"] = "00:00:00.500",
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Pop3__AllowPlaintextAuthOnLoopback"] = "true",
            ["INTERCHANGE__Smtp__AllowPlaintextAuthOnLoopback"] = "true",
        };
        var limits = new Dictionary<string, string>
        {
            ["INTERCHANGE__Imap__LoginTimeout"] = "00:00:03",
            ["INTERCHANGE__Pop3__LoginTimeout"] = "00:00:03",
            ["INTERCHANGE__Smtp__LoginTimeout"] = "00:00:03",
            ["INTERCHANGE__Smtp__EnvelopeTimeout"] = "00:00:05",
            ["INTERCHANGE__Smtp__MinDataRate"] = "200",
            ["INTERCHANGE__Smtp__MinDataRateGracePeriod"] = "00:00:01",
            ["INTERCHANGE__Imap__MinDataRate"] = "200",
            ["INTERCHANGE__Imap__MinDataRateGracePeriod"] = "00:00:01",
            ["INTERCHANGE__Pop3__MinDataRate"] = "1000000",
            ["INTERCHANGE__Pop3__MinDataRateGracePeriod"] = "00:00:01",
        };
        foreach (var (name, value) in (SmallLimits ? limits : []).Concat(ExtraSettings))
        {
            environment[name] = value;
        }

        Server = await ServerProcess.StartAsync(_data.Path, environment: environment);
        (await Cli(Password + "\n", "user", "add", "alice@example.test", "--password-stdin")).ExitCode.ShouldBe(0);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _data.Dispose();
    }

    public Task<ExternalProcess.Result> Cli(string? stdin, params string[] arguments) => InterchangeBinary.CliAsync(_data.Path, stdin, arguments);

    public int Port(string protocol) => Server.Port(protocol);

    /// <summary>What Clients/drip.py saw: whether and when the server closed, and what it sent during the drip.</summary>
    public sealed record DripResult(bool Closed, double Seconds, int Dripped, string Received);

    /// <summary>
    /// Runs Clients/drip.py against a listener: setup lines (each answered before the next), then
    /// one byte of <paramref name="drip"/> every <paramref name="intervalMs"/> ms for at most 15 s.
    /// </summary>
    public async Task<DripResult> DripAsync(ITestOutputHelper output, string protocol, string drip, int intervalMs, params (string Line, string Expect)[] setup)
    {
        var arguments = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "Clients", "drip.py"),
            Port(protocol).ToString(CultureInfo.InvariantCulture),
            "--interval", intervalMs.ToString(CultureInfo.InvariantCulture),
            "--timeout", "15",
            "--drip", drip,
        };
        foreach (var (line, expect) in setup)
        {
            arguments.AddRange(["--setup", line, "--expect", expect]);
        }

        var run = await ExternalProcess.RunAsync("python3", arguments, timeout: TimeSpan.FromSeconds(60));
        run.ExitCode.ShouldBe(0, ExternalProcess.Describe(run));
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        var result = new DripResult(root.GetProperty("closed").GetBoolean(), root.GetProperty("seconds").GetDouble(), root.GetProperty("dripped").GetInt32(), root.GetProperty("received").GetString()!);
        output.WriteLine($"{protocol}: closed={result.Closed} after {result.Seconds:F2} s of dripping, {result.Dripped} bytes dripped; server sent: {result.Received.Trim()}");
        return result;
    }
}
