using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>
/// curl (an independent client) reads mail over IMAPS, IMAP with STARTTLS, POP3S and POP3 with
/// STLS, verifying the server's certificate for the name <c>example.test</c> (its SAN) through
/// <c>--resolve</c>; a name the certificate does not cover is refused, so the verification is real.
/// </summary>
public sealed class CurlMailTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    private const string User = "bob@example.test";
    private const string Host = "example.test";

    [Fact]
    public async Task Imap_SearchesUnseen_FetchesByUid_OverImapsAndStartTls()
    {
        var uid = await DeliverAsync("curl imap one", "first body");
        var sequence = (await fixture.InboxAsync(User)).Count;

        var unseen = await Curl("imaps", "/INBOX?UNSEEN");
        unseen.ShouldStartWith("* SEARCH");
        unseen.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2).ShouldContain(sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), "the new message is unseen");

        var message = await Curl("imaps", $"/INBOX;UID={uid}");
        message.ShouldContain("Subject: curl imap one");
        message.ShouldContain("first body");
        message.ShouldContain($"Delivered-To: {User}");

        (await Curl("imaps", "/INBOX?UNSEEN")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2)
            .ShouldNotContain(sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), "curl fetched BODY[], which sets \\Seen");

        var second = await DeliverAsync("curl imap two", "second body");
        var overStartTls = await Curl("imap", $"/INBOX;UID={second}");
        overStartTls.ShouldContain("Subject: curl imap two");
        overStartTls.ShouldContain("second body");
    }

    [Fact]
    public async Task Pop3_ListsAndRetrieves_OverPop3sAndStls()
    {
        await DeliverAsync("curl pop one", "pop body");
        var count = (await fixture.InboxAsync(User)).Count;

        var list = (await Curl("pop3s", "/")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        list.Length.ShouldBe(count, "LIST has one line per message in the maildrop");
        list.Select(l => l.Split(' ')[0]).ShouldBe(Enumerable.Range(1, count).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        list.ShouldAllBe(l => long.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) > 0);

        var message = await Curl("pop3s", $"/{count}");
        message.ShouldContain("Subject: curl pop one");
        message.ShouldContain("pop body");

        (await Curl("pop3", $"/{count}")).ShouldContain("Subject: curl pop one");
    }

    [Fact]
    public async Task ANameTheCertificateDoesNotCover_IsRefused()
    {
        var result = await RunCurl("imaps", "/INBOX?ALL", host: "not-covered.test");
        result.ExitCode.ShouldBe(60, "curl: peer certificate cannot be authenticated\n" + ExternalProcess.Describe(result));
    }

    /// <summary>curl with <c>--ssl-reqd</c>: on <c>imap</c> and <c>pop3</c> it must upgrade with STARTTLS/STLS or fail.</summary>
    private async Task<string> Curl(string scheme, string path)
    {
        var result = await RunCurl(scheme, path, Host);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return result.Stdout.ReplaceLineEndings("\n").Trim();
    }

    private Task<ExternalProcess.Result> RunCurl(string scheme, string path, string host)
    {
        var port = fixture.Server.Port(scheme);
        var arguments = new List<string>
        {
            "-sS", "--max-time", "30", "--ssl-reqd",
            "--cacert", Path.Combine(fixture.DataPath, "tls", "server.crt"),
            "--resolve", $"{host}:{port}:127.0.0.1",
            "--user", $"{User}:{MailServerFixture.BobPassword}",
        };
        arguments.Add($"{scheme}://{host}:{port}{path}");
        return ExternalProcess.RunAsync("curl", arguments);
    }

    /// <summary>Delivers a message to bob over SMTP and returns its UID.</summary>
    private async Task<long> DeliverAsync(string subject, string body)
    {
        var before = (await fixture.InboxAsync(User)).Count;
        var sent = await ExternalProcess.PythonAsync($$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{fixture.Server.Port("smtp")}}, timeout=20)
            print(s.sendmail("curl@remote.test", ["{{User}}"], b"Subject: {{subject}}\r\n\r\n{{body}}\r\n"))
            s.quit()
            """);
        sent.Stdout.Trim().ShouldBe("{}", ExternalProcess.Describe(sent));
        return (await fixture.WaitForInboxAsync(User, before + 1))[^1];
    }
}
