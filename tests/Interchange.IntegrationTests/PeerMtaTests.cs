using System.Net;
using System.Net.Sockets;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// Postfix as a peer MTA: a Postfix instance on loopback relays mail for example.test to
/// Interchange through a transport map, as a real sending MTA would (EHLO, STARTTLS,
/// PIPELINING, CHUNKING as it chooses). Everything it relays must arrive once.
/// </summary>
public sealed class PeerMtaTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    private static readonly string Script = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "peers", "postfix-instance.sh"));

    [Fact]
    public async Task PostfixRelaysToInterchange_EveryMessageArrivesOnce()
    {
        var postfixPort = FreePort();
        var instance = Path.Combine(Path.GetTempPath(), $"interchange-postfix-{Guid.NewGuid():N}");
        var started = await ExternalProcess.RunAsync("bash", [Script, "start", instance, $"{postfixPort}", "relay", "example.test", $"127.0.0.1:{fixture.Server.Port("smtp")}"], timeout: TimeSpan.FromSeconds(60));
        started.ExitCode.ShouldBe(0, ExternalProcess.Describe(started));
        try
        {
            var alice = (await fixture.InboxAsync("alice@example.test")).Count;
            var bob = (await fixture.InboxAsync("bob@example.test")).Count;
            var sent = await ExternalProcess.PythonAsync($$"""
                import smtplib
                s = smtplib.SMTP("127.0.0.1", {{postfixPort}}, timeout=30)
                for i in range(20):
                    rcpt = ["alice@example.test"] if i % 2 == 0 else ["team@example.test"]
                    s.sendmail("peer-sender@remote.test", rcpt, f"Subject: via postfix {i}\r\nX-Peer-Id: {i}\r\n\r\nrelayed {i}\r\n".encode())
                s.quit()
                print("sent")
                """);
            sent.Stdout.Trim().ShouldBe("sent", ExternalProcess.Describe(sent));

            // 10 to alice, 10 to the team (alice and bob): alice gets 20, bob 10.
            IReadOnlyList<long> aliceUids;
            try
            {
                aliceUids = await fixture.WaitForInboxAsync("alice@example.test", alice + 20, TimeSpan.FromSeconds(90));
                await fixture.WaitForInboxAsync("bob@example.test", bob + 10, TimeSpan.FromSeconds(90));
            }
            catch (ShouldAssertException ex)
            {
                var log = await ExternalProcess.RunAsync("bash", [Script, "log", instance]);
                throw new ShouldAssertException(ex.Message + "\nPostfix log:\n" + log.Stdout + "\nInterchange log (tail):\n" + string.Join('\n', fixture.Server.Stderr.TakeLast(40)));
            }

            var queue = await ExternalProcess.RunAsync("bash", [Script, "queue", instance]);
            queue.Stdout.Trim().ShouldBe("0", "Postfix has nothing left to send or retry");

            var last = await fixture.ShowAsync("alice@example.test", aliceUids[^1]);
            last.ShouldContain("by peer.test (Postfix)");
            last.ShouldContain("(Interchange) with ESMTPS id", Case.Sensitive, "Postfix used STARTTLS with us");
            await fixture.WaitForQueueDrainedAsync();
            (await fixture.InboxAsync("alice@example.test")).Count.ShouldBe(alice + 20, "no duplicates arrive later");
        }
        finally
        {
            await ExternalProcess.RunAsync("bash", [Script, "stop", instance]);
            try
            {
                System.IO.Directory.Delete(instance, recursive: true);
            }
            catch (IOException)
            {
                // Postfix may still be closing files; the temp cleaner gets it.
            }
        }
    }

    [Fact]
    public async Task Swaks_WithTlsAuthPipeliningAndALargeAttachment_IsAccepted()
    {
        var attachment = Path.Combine(Path.GetTempPath(), $"interchange-attach-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(attachment, Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray());
        try
        {
            var bob = (await fixture.InboxAsync("bob@example.test")).Count;
            var result = await ExternalProcess.RunAsync("swaks", [
                "--server", $"127.0.0.1:{fixture.Server.Port("submission")}", "--tls", "--auth", "LOGIN",
                "--auth-user", "alice@example.test", "--auth-password", MailServerFixture.AlicePassword,
                "--from", "alice@example.test", "--to", "bob@example.test", "--pipeline",
                "--attach", $"@{attachment}", "--header", "Subject: swaks attachment"]);
            result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
            result.Stdout.ShouldContain("250 2.0.0 Ok: queued as");
            var uids = await fixture.WaitForInboxAsync("bob@example.test", bob + 1);
            var stored = await fixture.ShowAsync("bob@example.test", uids[^1]);
            stored.ShouldContain("Subject: swaks attachment");
            stored.Length.ShouldBeGreaterThan(130_000, "the base64 attachment arrived whole");
        }
        finally
        {
            File.Delete(attachment);
        }
    }

    [Fact]
    public async Task Curl_SendsOverSmtp()
    {
        var bob = (await fixture.InboxAsync("bob@example.test")).Count;
        var file = Path.Combine(Path.GetTempPath(), $"interchange-curl-{Guid.NewGuid():N}.eml");
        await File.WriteAllTextAsync(file, "Subject: from curl\r\nFrom: curl@remote.test\r\n\r\nsent by curl\r\n");
        try
        {
            var result = await ExternalProcess.RunAsync("curl", ["-sS", $"smtp://127.0.0.1:{fixture.Server.Port("smtp")}", "--mail-from", "curl@remote.test", "--mail-rcpt", "bob@example.test", "--upload-file", file]);
            result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
            var uids = await fixture.WaitForInboxAsync("bob@example.test", bob + 1);
            (await fixture.ShowAsync("bob@example.test", uids[^1])).ShouldEndWith("Subject: from curl\r\nFrom: curl@remote.test\r\n\r\nsent by curl\r\n");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
