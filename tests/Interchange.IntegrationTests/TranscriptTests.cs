using System.Text.Json;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// Opening sequences recorded from real IMAP clients (Thunderbird, macOS Mail, iOS Mail, Outlook;
/// see each file in <c>Transcripts</c> for its sources) replayed line by line over IMAPS with the
/// server's certificate verified, by an independent Python socket client (<c>Clients/imap_replay.py</c>):
/// every command gets the status the transcript expects and the data the client needs, no
/// untagged BAD is sent, and the session still answers NOOP and LOGOUT afterwards.
/// </summary>
public sealed class TranscriptTests(MailServerFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<MailServerFixture>
{
    private const string User = "alice@example.test";

    private static readonly string[] s_transcripts = ["thunderbird-115.txt", "thunderbird-153-save-sent.txt", "macos-mail-16.txt", "ios-mail-18.txt", "outlook.txt"];

    public static TheoryData<string> Transcripts => new(s_transcripts);

    private static string TranscriptFolder => Path.Combine(AppContext.BaseDirectory, "Transcripts");

    [Theory]
    [MemberData(nameof(Transcripts))]
    public async Task RecordedClientSequence_GetsEveryAnswerTheClientNeeds(string transcript)
    {
        var subject = $"replay {Path.GetFileNameWithoutExtension(transcript)} {Guid.NewGuid():N}"[..40];
        var uid = await DeliverAsync(subject);

        var result = await ExternalProcess.RunAsync("python3",
        [
            Path.Combine(AppContext.BaseDirectory, "Clients", "imap_replay.py"),
            "--port", fixture.Server.Port("imaps").ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--cafile", Path.Combine(fixture.DataPath, "tls", "server.crt"),
            "--user", User,
            "--password", MailServerFixture.AlicePassword,
            "--uid", uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--subject", subject,
            Path.Combine(TranscriptFolder, transcript),
        ], timeout: TimeSpan.FromSeconds(90));
        output.WriteLine(result.Stdout);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));

        var records = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        records[0].GetProperty("greeting").GetString().ShouldStartWith("* OK");

        var commands = records.Where(r => r.TryGetProperty("command", out _)).ToList();
        commands.Count.ShouldBe(CountCommands(transcript), "every command of the transcript was replayed");
        var checks = 0;
        foreach (var command in commands)
        {
            var what = $"{transcript}:{command.GetProperty("line").GetInt32()} {command.GetProperty("command").GetString()}\n"
                + string.Join('\n', command.GetProperty("received").EnumerateArray().Select(e => e.GetString()));
            command.GetProperty("status").GetString().ShouldBe(command.GetProperty("expected").GetString(), what);
            command.TryGetProperty("refused_continuation", out _).ShouldBeFalse($"the server did not ask for the continuation: {what}");
            foreach (var check in command.GetProperty("checks").EnumerateArray())
            {
                check.GetProperty("ok").GetBoolean().ShouldBeTrue($"no response line matches {check.GetProperty("pattern").GetString()} in {what}");
                checks++;
            }
        }

        checks.ShouldBeGreaterThanOrEqualTo(commands.Count, "each step checks what the client needs from it");
        var final = records[^1];
        final.GetProperty("final").GetBoolean().ShouldBeTrue();
        final.GetProperty("untaggedBad").GetArrayLength().ShouldBe(0, final.GetProperty("untaggedBad").ToString());
        final.GetProperty("noop").GetString().ShouldBe("OK", "the session is still usable after the client's sequence");
        final.GetProperty("bye").GetBoolean().ShouldBeTrue("LOGOUT sends BYE");
        final.GetProperty("logout").GetString().ShouldBe("OK");
    }

    [Fact]
    public void EveryTranscriptFile_IsReplayed()
    {
        var files = System.IO.Directory.GetFiles(TranscriptFolder, "*.txt").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        files.ShouldBe(s_transcripts.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>C: and P: lines: the commands the client sends.</summary>
    private static int CountCommands(string transcript) =>
        File.ReadLines(Path.Combine(TranscriptFolder, transcript)).Count(l => l.StartsWith("C: ", StringComparison.Ordinal) || l.StartsWith("P: ", StringComparison.Ordinal));

    /// <summary>Delivers a message to alice over SMTP and returns its UID in her INBOX.</summary>
    private async Task<long> DeliverAsync(string subject)
    {
        var before = (await fixture.InboxAsync(User)).Count;
        var sent = await ExternalProcess.PythonAsync($$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{fixture.Server.Port("smtp")}}, timeout=20)
            print(s.sendmail("replay@remote.test", ["{{User}}"], b"Subject: {{subject}}\r\n\r\nreplayed body\r\n"))
            s.quit()
            """);
        sent.Stdout.Trim().ShouldBe("{}", ExternalProcess.Describe(sent));
        var uids = await fixture.WaitForInboxAsync(User, before + 1);
        return uids[^1];
    }
}
