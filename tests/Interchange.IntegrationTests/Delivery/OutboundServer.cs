using System.Diagnostics;
using System.Text;
using System.Text.Json;

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
            ["INTERCHANGE__Imap__AllowPlaintextAuthOnLoopback"] = "true",
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
            server._server = await ServerProcess.StartAsync(server._data.Path, ["smtp", "imap"], environment: environment);
            var added = await InterchangeBinary.CliAsync(server._data.Path, LocalSenderPassword + "\n", "user", "add", LocalSender, "--password-stdin");
            if (added.ExitCode != 0)
            {
                throw new InvalidOperationException("user add failed:\n" + ExternalProcess.Describe(added));
            }
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

    /// <summary>A user of this server, the sender whose INBOX receives the DSNs (<see cref="WaitForReportsAsync"/>).</summary>
    public const string LocalSender = "sender@interchange.test";

    private const string LocalSenderPassword = "a sender's long password";

    /// <summary>
    /// Waits (bounded) until <see cref="LocalSender"/>'s INBOX holds <paramref name="count"/> messages
    /// and returns each as Python's <c>email</c> package parses it: content type, report type,
    /// the parts' types, defects, and the delivery-status blocks (per-message first, then one per
    /// recipient) as field maps. Read with imaplib: independent of our own parser.
    /// </summary>
    public async Task<JsonElement> WaitForReportsAsync(int count, TimeSpan timeout)
    {
        var read = await ExternalProcess.PythonAsync($$"""
            import email, email.policy, imaplib, json, time
            m = imaplib.IMAP4("127.0.0.1", {{Process.Port("imap")}})
            m.login("{{LocalSender}}", "{{LocalSenderPassword}}")
            deadline = time.monotonic() + {{(int)timeout.TotalSeconds}}
            while True:
                typ, data = m.select("INBOX")
                if int(data[0]) >= {{count}} or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            reports = []
            if int(data[0]) > 0:
                typ, data = m.fetch("1:*", "(RFC822)")
                for raw in [part[1] for part in data if isinstance(part, tuple)]:
                    msg = email.message_from_bytes(raw, policy=email.policy.default)
                    parts = msg.get_payload() if msg.is_multipart() else []
                    status = [p for p in parts if p.get_content_type() == "message/delivery-status"]
                    reports.append({
                        'return_path': msg['Return-Path'],
                        'content_type': msg.get_content_type(),
                        'report_type': msg.get_param('report-type'),
                        'parts': [p.get_content_type() for p in parts],
                        'defects': [type(d).__name__ for part in msg.walk() for d in part.defects],
                        'blocks': [{k: str(v) for k, v in b.items()} for b in status[0].get_payload()] if status else [],
                    })
            m.logout()
            print(json.dumps(reports))
            """, timeout + TimeSpan.FromSeconds(30));
        if (read.ExitCode != 0)
        {
            throw new InvalidOperationException("reading the sender's INBOX failed:\n" + ExternalProcess.Describe(read));
        }

        var reports = JsonDocument.Parse(read.Stdout).RootElement;
        if (reports.GetArrayLength() < count)
        {
            throw new TimeoutException($"{reports.GetArrayLength()} of {count} DSNs arrived in {timeout.TotalSeconds:F0} s:\n{read.Stdout}\n{Describe()}");
        }

        return reports;
    }

    /// <summary>The recipient blocks of a report (<see cref="WaitForReportsAsync"/>) as (Final-Recipient, Action, Status, Diagnostic-Code).</summary>
    public static IReadOnlyList<(string Recipient, string Action, string Status, string Diagnostic)> RecipientsOf(JsonElement report) =>
        report.GetProperty("blocks").EnumerateArray().Skip(1)
            .Select(b => (Field(b, "Final-Recipient"), Field(b, "Action"), Field(b, "Status"), Field(b, "Diagnostic-Code")))
            .ToList();

    private static string Field(JsonElement block, string name) => block.TryGetProperty(name, out var value) ? value.GetString() ?? "" : "";

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
