using System.Globalization;
using System.Text.Json;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests;

/// <summary>
/// Seed Q241556 ("OpenMsgStore is not thread safe": threads opening a store deadlocked) over real
/// sockets, with independent clients (Clients/imap_torture.py): 32 imaplib sessions on one INBOX
/// SELECT, NOOP, FETCH, UID FETCH, STORE \Seen and \Deleted, EXPUNGE, UID SEARCH and IDLE at
/// random while 16 SMTP clients deliver 400 messages. Each session keeps the model of the mailbox
/// an IMAP client must keep from the untagged responses (RFC 3501 7.4.1). Proves: no response is
/// BAD or takes longer than 30 s (no deadlock); no EXPUNGE arrives during FETCH, STORE or SEARCH;
/// sequence numbers, UIDs and counts never disagree with what the session was told; after one
/// NOOP every session's model is the store's state; nothing is lost but what a session flagged
/// \Deleted and expunged, and nothing is stored twice.
/// </summary>
public sealed class ImapTortureTests(MailServerFixture fixture, ITestOutputHelper output) : IClassFixture<MailServerFixture>
{
    private const string User = "torture@example.test";
    private const string Password = "torture-secret-4444";
    private const int Sessions = 32;
    private const int Senders = 16;
    private const int PerSender = 25;

    [Fact]
    public async Task ImapSessions_Q241556_ManyClientsOnOneInboxWhileSmtpDelivers_NeverHangNorShowAHalfAppliedChange()
    {
        (await fixture.Cli(Password + "\n", "user", "add", User, "--password-stdin")).ExitCode.ShouldBe(0);
        var script = Path.Combine(AppContext.BaseDirectory, "Clients", "imap_torture.py");
        var result = await ExternalProcess.RunAsync(
            "python3",
            [
                script, Port("imaps"), Port("smtp"), User, Password,
                "--sessions", $"{Sessions}", "--senders", $"{Senders}", "--per-sender", $"{PerSender}",
                "--duration", "20", "--deadline", "80",
            ],
            timeout: TimeSpan.FromSeconds(100));
        output.WriteLine(result.Stdout.Trim());
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));

        using var summary = JsonDocument.Parse(result.Stdout);
        var root = summary.RootElement;
        root.GetProperty("violation_count").GetInt32().ShouldBe(0);
        root.GetProperty("sessions_alive_at_end").GetInt32().ShouldBe(Sessions);
        root.GetProperty("deliveries_acknowledged").GetInt32().ShouldBe(Senders * PerSender);
        foreach (var kind in new[] { "SELECT", "NOOP", "FETCH", "UID FETCH", "STORE", "UID STORE", "EXPUNGE", "UID SEARCH", "IDLE" })
        {
            root.GetProperty("ops").TryGetProperty(kind, out var count).ShouldBeTrue($"no {kind} was run");
            count.GetInt32().ShouldBeGreaterThan(0, $"no {kind} was run");
        }

        root.GetProperty("expunged_from_acknowledged").GetInt32().ShouldBeGreaterThan(0, "expunges raced the sessions");
        root.GetProperty("final_messages").GetInt32().ShouldBeGreaterThan(0, "messages were left for sequence numbers to shift over");

        // Once the queue has drained, the store still holds exactly what the fresh session saw: a
        // late duplicate delivery would show here.
        await fixture.WaitForQueueDrainedAsync();
        var finalUids = root.GetProperty("final_uids").EnumerateArray().Select(u => u.GetInt64()).ToList();
        (await fixture.InboxAsync(User)).Order().ToList().ShouldBe(finalUids, "the INBOX after the queue drained");
    }

    private string Port(string protocol) => fixture.Server.Port(protocol).ToString(CultureInfo.InvariantCulture);
}
