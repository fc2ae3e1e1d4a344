using System.Diagnostics;
using System.Text;

namespace Interchange.IntegrationTests.Delivery;

/// <summary>
/// A running Interchange that relays for loopback clients (<c>Smtp:RelayNetworks</c>) and delivers
/// out through its SMTP connector, with the test's DNS server and settings; mail goes in with
/// Python's smtplib and the queue is read with <c>interchange queue list|show</c>.
/// </summary>
public sealed class OutboundServer : IAsyncDisposable
{
    private readonly ScratchFolder _data = new();
    private ServerProcess? _server;

    private OutboundServer()
    {
    }

    public ServerProcess Process => _server ?? throw new InvalidOperationException("not started");

    /// <summary>One recipient of <c>queue list</c>: its message id, state, attempts and last reply.</summary>
    public sealed record QueuedRecipient(string Id, string From, string Recipient, string Connector, string State, int Attempts, string LastReply);

    /// <summary>
    /// Starts the server; <paramref name="dns"/> ("ip:port") is its resolver when given;
    /// <paramref name="settings"/> are configuration keys ("Transport:Smtp:TlsMode") and values.
    /// </summary>
    public static async Task<OutboundServer> StartAsync(string? dns, IDictionary<string, string>? settings = null)
    {
        var server = new OutboundServer();
        var environment = new Dictionary<string, string>
        {
            ["INTERCHANGE__PrimaryDomain"] = "interchange.test",
            ["INTERCHANGE__Smtp__RelayNetworks__0"] = "127.0.0.0/8",
            ["INTERCHANGE__Transport__Dns__UseCache"] = "false",
            ["INTERCHANGE__Transport__Smtp__ConnectTimeout"] = "00:00:10",
            ["INTERCHANGE__Transport__Smtp__GreetingTimeout"] = "00:00:30",
            ["INTERCHANGE__Transport__Smtp__CommandTimeout"] = "00:00:30",
        };
        if (dns is not null)
        {
            environment["INTERCHANGE__Transport__Dns__Servers__0"] = dns;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment["INTERCHANGE__" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        try
        {
            server._server = await ServerProcess.StartAsync(server._data.Path, ["smtp"], environment: environment);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>
    /// Sends one message with Python's smtplib (the independent client) to our SMTP port; <paramref name="mailOptions"/>
    /// are MAIL parameters such as "BODY=8BITMIME" or "SMTPUTF8", <paramref name="rcptOptions"/> RCPT parameters for every recipient.
    /// </summary>
    public async Task SendAsync(string from, IEnumerable<string> recipients, string message, string[]? mailOptions = null, string[]? rcptOptions = null)
    {
        mailOptions ??= [];
        rcptOptions ??= [];
        // The message goes as its UTF-8 bytes, base64 in the script so any byte survives the command line.
        var content = Convert.ToBase64String(Encoding.UTF8.GetBytes(message));
        var to = string.Join(", ", recipients.Select(r => $"\"{r}\""));
        var options = string.Join(", ", mailOptions.Select(o => $"\"{o}\""));
        var perRecipient = string.Join(", ", rcptOptions.Select(o => $"\"{o}\""));
        var sent = await ExternalProcess.PythonAsync($$"""
            import base64, smtplib
            with smtplib.SMTP("127.0.0.1", {{Process.Port("smtp")}}, timeout=30) as s:
                refused = s.sendmail("{{from}}", [{{to}}], base64.b64decode("{{content}}"), mail_options=[{{options}}], rcpt_options=[{{perRecipient}}])
                assert not refused, refused
            """);
        if (sent.ExitCode != 0)
        {
            throw new InvalidOperationException($"smtplib could not send:\n{ExternalProcess.Describe(sent)}");
        }
    }

    /// <summary>Every recipient in the queue (<c>queue list</c>: one tab-separated line each off a terminal).</summary>
    public async Task<IReadOnlyList<QueuedRecipient>> QueueAsync()
    {
        var result = await CliAsync("queue", "list");
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("queue list failed:\n" + ExternalProcess.Describe(result));
        }

        // ID, RECEIVED, SIZE, FROM, RECIPIENT, CONNECTOR, STATE, ATTEMPTS, NEXT, LAST REPLY
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.TrimEnd('\r').Split('\t'))
            .Select(f => new QueuedRecipient(f[0], f[3], f[4], f[5], f[6], int.Parse(f[7], System.Globalization.CultureInfo.InvariantCulture), f[9]))
            .ToList();
    }

    /// <summary>Waits (bounded) until <paramref name="recipient"/> is in the queue and matches <paramref name="done"/>; returns that line.</summary>
    public async Task<QueuedRecipient> WaitForRecipientAsync(string recipient, Func<QueuedRecipient, bool> done, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyList<QueuedRecipient> queue = [];
        while (watch.Elapsed < timeout)
        {
            queue = await QueueAsync();
            if (queue.FirstOrDefault(r => r.Recipient == recipient && done(r)) is { } found)
            {
                return found;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{recipient} did not reach the expected state in {timeout.TotalSeconds:F0} s; the queue:\n"
            + string.Join('\n', queue) + "\n" + Describe());
    }

    /// <summary><c>queue show ID</c>'s output.</summary>
    public async Task<string> ShowAsync(string id)
    {
        var result = await CliAsync("queue", "show", id);
        return result.ExitCode == 0 ? result.Stdout : throw new InvalidOperationException("queue show failed:\n" + ExternalProcess.Describe(result));
    }

    /// <summary>The server's log, for failure messages.</summary>
    public string Describe() => "server log:\n" + string.Join('\n', Process.Stderr.TakeLast(80));

    public Task<ExternalProcess.Result> CliAsync(params string[] arguments) => InterchangeBinary.CliAsync(_data.Path, null, arguments);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _data.Dispose();
    }
}
