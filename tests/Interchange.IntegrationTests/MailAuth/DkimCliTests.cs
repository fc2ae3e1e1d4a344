using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.MailAuth;

/// <summary><c>interchange dkim</c> on a data folder: the key files, the records printed, the errors.</summary>
public sealed class DkimCliTests : IAsyncLifetime
{
    private readonly ScratchFolder _data = new();

    public async Task InitializeAsync()
    {
        await using var server = await ServerProcess.StartAsync(_data.Path, ["http"], environment: new Dictionary<string, string> { ["INTERCHANGE__PrimaryDomain"] = "example.test" });
        server.Terminate();
        (await server.WaitForExitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
    }

    public Task DisposeAsync()
    {
        _data.Dispose();
        return Task.CompletedTask;
    }

    private Task<ExternalProcess.Result> Cli(params string[] arguments) => InterchangeBinary.CliAsync(_data.Path, null, arguments);

    private string KeyFolder(string domain) => Path.Combine(_data.Path, "dkim", domain);

    [Fact]
    public async Task Generate_List_Rotate_Remove_AndThePrivateKeyIsNeverPrinted()
    {
        var rsa = await Cli("dkim", "generate", "example.test", "--selector", "one");
        rsa.ShouldSucceed("generated rsa-2048 key one for example.test, active");
        rsa.Stdout.ShouldContain("one._domainkey.example.test. IN TXT \"v=DKIM1; k=rsa; p=");
        var ed = await Cli("dkim", "generate", "example.test", "--algorithm", "ed25519");
        ed.ShouldSucceed("key e");
        ed.Stdout.ShouldContain("k=ed25519");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(KeyFolder("example.test"), "one.key")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(KeyFolder("example.test")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // A second RSA key waits until its record is published, then rotate --to makes it sign.
        var next = await Cli("dkim", "generate", "example.test", "--selector", "two", "--bits", "1024", "--inactive");
        next.ShouldSucceed("not active");
        next.Stdout.ShouldContain("interchange dkim rotate example.test --to two");
        var rotated = await Cli("dkim", "rotate", "example.test", "--to", "two");
        rotated.ShouldSucceed("example.test now signs with two (rsa-1024)");
        rotated.Stdout.ShouldContain("interchange dkim remove example.test one");

        // Off a terminal: one tab-separated line per key, the record's value last.
        var list = await Cli("dkim", "list");
        list.ExitCode.ShouldBe(0, ExternalProcess.Describe(list));
        var lines = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
        lines.Select(l => (l[0], l[1], l[2], l[4])).OrderBy(l => l.Item2).ShouldBe([
            ("example.test", lines.Single(l => l[2] == "ed25519")[1], "ed25519", "active"),
            ("example.test", "one", "rsa-2048", "inactive"),
            ("example.test", "two", "rsa-1024", "active"),
        ]);
        lines.ShouldAllBe(l => l[5].StartsWith("v=DKIM1; k=", StringComparison.Ordinal));

        // rotate without --to: a new key of the active RSA key's size signs at once, the old one is kept.
        var fresh = await Cli("dkim", "rotate", "example.test");
        fresh.ShouldSucceed("Publish this TXT record now");
        fresh.Stdout.ShouldContain("The old key two no longer signs");

        (await Cli("dkim", "remove", "example.test", "one")).ShouldSucceed("removed key one of example.test");
        File.Exists(Path.Combine(KeyFolder("example.test"), "one.key")).ShouldBeFalse();

        foreach (var output in new[] { rsa, ed, next, rotated, list, fresh })
        {
            (output.Stdout + output.Stderr).ShouldNotContain("PRIVATE KEY");
        }
    }

    [Fact]
    public async Task Errors_AreOneLine_WithTheConventionalExitCodes()
    {
        (await Cli("dkim", "generate", "elsewhere.test")).ShouldFail(1, "elsewhere.test is not a local domain");
        (await Cli("dkim", "generate", "example.test", "--algorithm", "dsa")).ShouldFail(2, "rsa or ed25519");
        (await Cli("dkim", "generate", "example.test", "--bits", "512")).ShouldFail(1, "1024 to 4096");
        (await Cli("dkim", "generate", "example.test", "--selector", "bad_selector")).ShouldFail(1, "not a valid selector");
        (await Cli("dkim", "rotate", "example.test")).ShouldFail(1, "has no active key to rotate");
        (await Cli("dkim", "remove", "example.test", "nope")).ShouldFail(1, "has no DKIM keys");
        (await Cli("dkim", "generate", "example.test", "--selector", "a")).ShouldSucceed("key a");
        (await Cli("dkim", "generate", "example.test", "--selector", "a")).ShouldFail(1, "already has a key with selector a");
        (await Cli("dkim", "rotate", "example.test", "--to", "zzz")).ShouldFail(1, "no key with selector zzz");
    }

    [Fact]
    public async Task Help_ForEachCommand()
    {
        foreach (var command in new[] { "generate", "list", "rotate", "remove" })
        {
            var help = await Cli("dkim", command, "--help");
            help.ExitCode.ShouldBe(0, ExternalProcess.Describe(help));
            help.Stdout.ShouldContain("Usage:");
        }

        (await Cli("dkim", "--help")).Stdout.ShouldContain("generate");
        (await Cli("dkim", "generate", "--help")).Stdout.ShouldContain("--algorithm");
    }
}
