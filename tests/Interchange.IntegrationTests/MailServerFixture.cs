using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// One server for a test class, with a domain <c>example.test</c>, users alice, bob and a UTF-8
/// one, an alias, a catch-all-free domain and a group; a small message size limit so that the
/// size tests stay fast.
/// </summary>
public sealed class MailServerFixture : IAsyncLifetime
{
    public const string Domain = "example.test";
    public const string AlicePassword = "alice-secret-1";
    public const string BobPassword = "bob-secret-22";
    public const int MaxMessageSize = 200_000;

    private readonly ScratchFolder _data = new();

    public ServerProcess Server { get; private set; } = null!;

    public string DataPath => _data.Path;

    public string RawClient => Path.Combine(AppContext.BaseDirectory, "Clients", "smtp_raw.py");

    public async Task InitializeAsync()
    {
        Server = await ServerProcess.StartAsync(_data.Path, environment: new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = Domain,
            ["INTERCHANGE__Smtp__MaxMessageSize"] = MaxMessageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["INTERCHANGE__Transport__PollInterval"] = "00:00:00.500",
            ["INTERCHANGE__Smtp__CommandTimeout"] = "00:00:05",
        });
        (await Cli("alice-secret-1\n", "user", "add", "alice@example.test", "--password-stdin")).ExitCode.ShouldBe(0);
        (await Cli("bob-secret-22\n", "user", "add", "bob@example.test", "--password-stdin")).ExitCode.ShouldBe(0);
        (await Cli("utf8-secret-333\n", "user", "add", "用户@example.test", "--password-stdin")).ExitCode.ShouldBe(0);
        (await Cli(null, "alias", "add", "sales@example.test", "alice@example.test")).ExitCode.ShouldBe(0);
        (await Cli(null, "group", "add", "team@example.test")).ExitCode.ShouldBe(0);
        (await Cli(null, "group", "member", "add", "team@example.test", "alice@example.test")).ExitCode.ShouldBe(0);
        (await Cli(null, "group", "member", "add", "team@example.test", "bob@example.test")).ExitCode.ShouldBe(0);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _data.Dispose();
    }

    public Task<ExternalProcess.Result> Cli(string? stdin, params string[] arguments) => InterchangeBinary.CliAsync(_data.Path, stdin, arguments);

    /// <summary>UIDs in a user's INBOX now.</summary>
    public async Task<IReadOnlyList<long>> InboxAsync(string user)
    {
        var list = await Cli(null, "message", "list", user);
        list.ExitCode.ShouldBe(0, ExternalProcess.Describe(list));
        return list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Where(l => char.IsAsciiDigit(l[0]))
            .Select(l => long.Parse(l.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
    }

    /// <summary>Waits (bounded) until a user's INBOX holds <paramref name="count"/> messages, and checks it holds no more.</summary>
    public async Task<IReadOnlyList<long>> WaitForInboxAsync(string user, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        IReadOnlyList<long> uids;
        do
        {
            uids = await InboxAsync(user);
            if (uids.Count >= count)
            {
                break;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        uids.Count.ShouldBe(count, $"messages in {user}'s INBOX");
        return uids;
    }

    /// <summary>
    /// Waits (bounded) until nothing is left to route or deliver locally: a duplicate would be
    /// stored by then. Mail to other domains stays queued (no connector yet) and is not waited for.
    /// </summary>
    public async Task WaitForQueueDrainedAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        string status;
        do
        {
            status = (await Cli(null, "queue", "status")).Stdout;
            if (status.Contains("messages waiting for routing: 0", StringComparison.Ordinal) && status.Contains("(local 0,", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new ShouldAssertException("the queue did not drain:\n" + status);
    }

    public async Task<string> ShowAsync(string user, long uid)
    {
        var show = await Cli(null, "message", "show", user, uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        show.ExitCode.ShouldBe(0, ExternalProcess.Describe(show));
        return show.Stdout;
    }

    /// <summary>Plays a raw dialogue (see Clients/smtp_raw.py) and returns the replies, one per line.</summary>
    public async Task<string[]> RawAsync(string protocol, string script, bool tls = false)
    {
        var arguments = new List<string> { RawClient, Server.Port(protocol).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (tls)
        {
            arguments.Add("--tls");
        }

        var result = await ExternalProcess.RunAsync("python3", arguments, script.Replace("\r\n", "\n", StringComparison.Ordinal));
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
