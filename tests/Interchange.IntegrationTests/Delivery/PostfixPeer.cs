using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Interchange.IntegrationTests.Delivery;

/// <summary>
/// A throwaway Postfix instance (tests/peers/postfix-instance.sh, "accept" mode) playing a remote
/// MTA: it listens on port 25 of a loopback address of its own, accepts one domain into a maildir
/// and logs each SMTP session; disposal stops it.
/// </summary>
public sealed partial class PostfixPeer : IAsyncDisposable
{
    private static readonly string Script = Path.Combine(InterchangeBinary.RepositoryRoot, "tests", "peers", "postfix-instance.sh");

    private PostfixPeer(string directory, IPAddress address, string domain)
    {
        Directory = directory;
        Address = address;
        Domain = domain;
    }

    public string Directory { get; }

    public IPAddress Address { get; }

    public string Domain { get; }

    /// <summary>
    /// Starts Postfix on <paramref name="address"/>:25 accepting <paramref name="domain"/>;
    /// <paramref name="discardEhlo"/> are EHLO keywords it does not announce (8bitmime, smtputf8, ...).
    /// </summary>
    public static Task<PostfixPeer> StartAsync(string directory, IPAddress address, string domain, params string[] discardEhlo) =>
        StartAsync(directory, address, domain, null, discardEhlo);

    /// <summary>
    /// Starts Postfix as <see cref="StartAsync(string, IPAddress, string, string[])"/> does, offering
    /// STARTTLS with <paramref name="tls"/> (PEM certificate chain and key files) when given.
    /// </summary>
    public static async Task<PostfixPeer> StartAsync(string directory, IPAddress address, string domain, (string CertificateFile, string KeyFile)? tls, params string[] discardEhlo)
    {
        var environment = new Dictionary<string, string>
        {
            ["PEER_ADDRESS"] = address.ToString(),
            ["PEER_DISCARD_EHLO"] = string.Join(',', discardEhlo),
        };
        if (tls is { } files)
        {
            environment["PEER_TLS_CERT"] = files.CertificateFile;
            environment["PEER_TLS_KEY"] = files.KeyFile;
        }
        var started = await ExternalProcess.RunAsync("bash", [Script, "start", directory, "25", "accept", domain], timeout: TimeSpan.FromSeconds(90), environment: environment);
        if (started.ExitCode != 0)
        {
            await ExternalProcess.RunAsync("bash", [Script, "stop", directory], timeout: TimeSpan.FromSeconds(60));
            throw new InvalidOperationException($"postfix on {address}:25 did not start:\n{ExternalProcess.Describe(started)}");
        }

        return new PostfixPeer(directory, address, domain);
    }

    /// <summary>Starts several at once (Postfix takes seconds to start); if one fails, the others are stopped.</summary>
    public static async Task<PostfixPeer[]> StartAllAsync(params Func<Task<PostfixPeer>>[] starts)
    {
        var tasks = starts.Select(start => start()).ToArray();
        try
        {
            return await Task.WhenAll(tasks);
        }
        catch
        {
            foreach (var task in tasks.Where(t => t.IsCompletedSuccessfully))
            {
                await task.Result.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The instance's log so far.</summary>
    public string Log => File.Exists(Path.Combine(Directory, "maillog")) ? File.ReadAllText(Path.Combine(Directory, "maillog")) : string.Empty;

    /// <summary>
    /// The SMTP sessions that said EHLO or HELO (the start script's readiness probe says nothing),
    /// each as smtpd's "disconnect" line counts its commands: "ehlo=1 starttls=1 mail=1 rcpt=3 bdat=1 quit=1 commands=8".
    /// A session appears once it has ended.
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<string, int>> Sessions => Log.Split('\n')
        .Where(l => l.Contains("smtpd[", StringComparison.Ordinal) && l.Contains(" disconnect from ", StringComparison.Ordinal))
        .Select(l => (IReadOnlyDictionary<string, int>)CommandCount().Matches(l).ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
        .Where(c => c.ContainsKey("ehlo") || c.ContainsKey("helo"))
        .ToList();

    /// <summary>Connections opened to it, less the start script's probe (the first, which sent nothing).</summary>
    public int Connections => Log.Split('\n').Count(l => l.Contains("smtpd[", StringComparison.Ordinal) && l.Contains(" connect from ", StringComparison.Ordinal))
        - Log.Split('\n').Count(l => l.Contains("lost connection after CONNECT", StringComparison.Ordinal));

    /// <summary>The messages delivered into its maildir (one file per recipient), oldest first.</summary>
    public string[] Messages()
    {
        var mail = Path.Combine(Directory, "mail");
        return System.IO.Directory.Exists(mail)
            ? System.IO.Directory.GetFiles(mail, "*", SearchOption.AllDirectories).Where(f => f.Contains($"{Path.DirectorySeparatorChar}new{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).Order().ToArray()
            : [];
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> messages are in the maildir.</summary>
    public async Task<string[]> WaitForMessagesAsync(int count, TimeSpan timeout, Func<string>? describe = null)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var messages = Messages();
            if (messages.Length >= count)
            {
                return messages;
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"{messages.Length} of {count} messages arrived at {Address} in {timeout.TotalSeconds:F0} s\npeer log:\n{Log}\n{describe?.Invoke()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits (bounded) until the log holds <paramref name="text"/> (Postfix's log daemon writes it a moment after the fact).</summary>
    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"'{text}' not in the log of {Address} after {timeout.TotalSeconds:F0} s\npeer log:\n{Log}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> sessions have ended.</summary>
    public Task<IReadOnlyList<IReadOnlyDictionary<string, int>>> WaitForSessionsAsync(int count, TimeSpan timeout) =>
        WaitForSessionsAsync(sessions => sessions.Count >= count, timeout);

    /// <summary>Waits (bounded) until the sessions that have ended satisfy <paramref name="done"/>.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, int>>> WaitForSessionsAsync(Func<IReadOnlyList<IReadOnlyDictionary<string, int>>, bool> done, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var sessions = Sessions;
            if (done(sessions))
            {
                return sessions;
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"the sessions at {Address} did not reach the expected state in {timeout.TotalSeconds:F0} s\npeer log:\n{Log}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync() =>
        await ExternalProcess.RunAsync("bash", [Script, "stop", Directory], timeout: TimeSpan.FromSeconds(60));

    [GeneratedRegex(@" ([a-z]+)=(\d+)")]
    private static partial Regex CommandCount();
}
