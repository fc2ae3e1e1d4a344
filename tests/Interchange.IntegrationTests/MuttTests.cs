using System.Diagnostics;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// mutt (an independent, interactive client) opens INBOX over IMAPS with the server's certificate
/// as its only trust anchor and the host checked, shows the delivered message in its index, opens
/// it and shows its body, and quits. mutt needs a terminal: it runs in a detached tmux session on
/// a tmux server of its own, read with capture-pane, and that server is always killed.
/// </summary>
public sealed class MuttTests(MailServerFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<MailServerFixture>
{
    private const string User = "alice@example.test";

    [Fact]
    public async Task Mutt_ShowsTheMessageInItsIndex_OpensItsBody_AndQuits()
    {
        var subject = $"mutt reads {Guid.NewGuid():N}"[..22];
        var marker = $"body seen by mutt {Guid.NewGuid():N}";
        await DeliverAsync(subject, marker);

        var home = Path.Combine(Path.GetTempPath(), $"interchange-mutt-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(home);
        var tmux = Path.Combine(home, "tmux.socket"); // its own tmux server (-S): nothing else is touched, and no socket is left behind
        var environment = new Dictionary<string, string> { ["HOME"] = home, ["TERM"] = "xterm", ["LANG"] = "C.UTF-8" };
        try
        {
            var folder = $"imaps://127.0.0.1:{fixture.Server.Port("imaps")}/";
            var muttrc = Path.Combine(home, "muttrc");
            await File.WriteAllTextAsync(muttrc, string.Join('\n',
                $"set imap_user=\"{User}\"",
                $"set imap_pass=\"{MailServerFixture.AlicePassword}\"",
                $"set folder=\"{folder}\"",
                "set spoolfile=\"+INBOX\"",
                $"set ssl_ca_certificates_file=\"{Path.Combine(fixture.DataPath, "tls", "server.crt")}\"",
                $"set certificate_file=\"{Path.Combine(home, "accepted-certificates")}\"",
                "set ssl_force_tls=yes",
                "set ssl_verify_host=yes",
                "set header_cache=\"\"",
                "set message_cachedir=\"\"",
                "set imap_check_subscribed=no",
                "set help=no",
                "set quit=yes",
                string.Empty));

            (await Tmux(tmux, environment, "new-session", "-d", "-s", "mutt", "-x", "200", "-y", "50", $"mutt -n -F {muttrc} -f {folder}INBOX")).ExitCode.ShouldBe(0);

            var index = await WaitForScreenAsync(tmux, environment, screen => screen.Contains(subject, StringComparison.Ordinal));
            output.WriteLine(index);

            (await Tmux(tmux, environment, "send-keys", "-t", "mutt", "/", subject, "Enter")).ExitCode.ShouldBe(0);
            (await Tmux(tmux, environment, "send-keys", "-t", "mutt", "Enter")).ExitCode.ShouldBe(0);
            var pager = await WaitForScreenAsync(tmux, environment, screen => screen.Contains(marker, StringComparison.Ordinal));
            output.WriteLine(pager);
            pager.ShouldContain($"Subject: {subject}");

            (await Tmux(tmux, environment, "send-keys", "-t", "mutt", "q")).ExitCode.ShouldBe(0);
            await WaitForScreenAsync(tmux, environment, screen => !screen.Contains(marker, StringComparison.Ordinal));
            (await Tmux(tmux, environment, "send-keys", "-t", "mutt", "q")).ExitCode.ShouldBe(0);
            await WaitForExitAsync(tmux, environment);

            File.Exists(Path.Combine(home, "accepted-certificates")).ShouldBeFalse("mutt verified the certificate; nothing was accepted by hand");
        }
        finally
        {
            await Tmux(tmux, environment, "kill-server");
            System.IO.Directory.Delete(home, recursive: true);
        }
    }

    private static Task<ExternalProcess.Result> Tmux(string server, IDictionary<string, string> environment, params string[] arguments) =>
        ExternalProcess.RunAsync("tmux", ["-S", server, .. arguments], environment: environment, timeout: TimeSpan.FromSeconds(20));

    /// <summary>Polls the pane (bounded) until <paramref name="done"/> holds; fails with the last screen.</summary>
    private static async Task<string> WaitForScreenAsync(string server, IDictionary<string, string> environment, Func<string, bool> done)
    {
        var watch = Stopwatch.StartNew();
        var screen = string.Empty;
        while (watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            var capture = await Tmux(server, environment, "capture-pane", "-p", "-t", "mutt");
            capture.ExitCode.ShouldBe(0, "mutt's tmux session ended early:\n" + screen + "\n" + ExternalProcess.Describe(capture));
            screen = capture.Stdout;
            if (done(screen))
            {
                return screen;
            }

            await Task.Delay(200);
        }

        throw new ShouldAssertException("mutt's screen never got there; it shows:\n" + screen);
    }

    /// <summary>Waits (bounded) for mutt to exit, which ends its session and so the tmux server.</summary>
    private static async Task WaitForExitAsync(string server, IDictionary<string, string> environment)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if ((await Tmux(server, environment, "has-session", "-t", "mutt")).ExitCode != 0)
            {
                return;
            }

            await Task.Delay(200);
        }

        var screen = await Tmux(server, environment, "capture-pane", "-p", "-t", "mutt");
        throw new ShouldAssertException("mutt did not quit; it shows:\n" + screen.Stdout);
    }

    private async Task DeliverAsync(string subject, string body)
    {
        var before = (await fixture.InboxAsync(User)).Count;
        var sent = await ExternalProcess.PythonAsync($$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{fixture.Server.Port("smtp")}}, timeout=20)
            print(s.sendmail("mutt@remote.test", ["{{User}}"], b"Subject: {{subject}}\r\n\r\n{{body}}\r\n"))
            s.quit()
            """);
        sent.Stdout.Trim().ShouldBe("{}", ExternalProcess.Describe(sent));
        await fixture.WaitForInboxAsync(User, before + 1);
    }
}
