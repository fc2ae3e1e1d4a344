using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>fetchmail (an independent client) pulls mail over IMAPS and POP3S, verifying our certificate, into local mbox files.</summary>
public sealed class FetchmailTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    [Fact]
    public async Task Fetchmail_PullsOverImapAndPop3_WithTheCertificateVerified()
    {
        var before = (await fixture.InboxAsync("alice@example.test")).Count;
        var sent = await ExternalProcess.RunAsync("swaks", ["--server", $"127.0.0.1:{fixture.Server.Port("smtp")}", "--from", "fm@remote.test", "--to", "alice@example.test", "--header", "Subject: for fetchmail"]);
        sent.ExitCode.ShouldBe(0, ExternalProcess.Describe(sent));
        await fixture.WaitForInboxAsync("alice@example.test", before + 1);

        var work = Path.Combine(Path.GetTempPath(), $"interchange-fetchmail-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(work);
        try
        {
            var certificate = Path.Combine(fixture.DataPath, "tls", "server.crt");
            var rc = Path.Combine(work, "fetchmailrc");
            await File.WriteAllTextAsync(rc, string.Join('\n',
                $"poll localhost service {fixture.Server.Port("imaps")} protocol IMAP user \"alice@example.test\" password \"{MailServerFixture.AlicePassword}\" ssl sslcertck sslcertfile {certificate} keep mda \"cat >> {work}/imap.mbox\"",
                $"poll localhost service {fixture.Server.Port("pop3s")} protocol POP3 user \"alice@example.test\" password \"{MailServerFixture.AlicePassword}\" ssl sslcertck sslcertfile {certificate} keep mda \"cat >> {work}/pop3.mbox\"",
                string.Empty));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite); // fetchmail refuses a readable rc file
            }

            var result = await ExternalProcess.RunAsync("fetchmail", ["-f", rc, "--nodetach", "--nosyslog", "--all"], environment: new Dictionary<string, string> { ["HOME"] = work, ["FETCHMAILHOME"] = work }, timeout: TimeSpan.FromSeconds(120));
            result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
            foreach (var mbox in new[] { "imap.mbox", "pop3.mbox" })
            {
                var text = await File.ReadAllTextAsync(Path.Combine(work, mbox));
                text.Split('\n').Count(l => l.StartsWith("Subject: for fetchmail", StringComparison.Ordinal)).ShouldBe(1, mbox);
                text.ShouldContain("Delivered-To: alice@example.test");
            }
        }
        finally
        {
            System.IO.Directory.Delete(work, recursive: true);
        }
    }
}
