using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>SMTP receive driven by Python's smtplib and raw Python sockets; delivery checked in the store.</summary>
public sealed class SmtpTests(MailServerFixture fixture) : IClassFixture<MailServerFixture>
{
    private const string Tls = "ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE";

    [Fact]
    public async Task PlainSmtp_DeliversOnce_WithTraceFields_AndDotUnstuffing()
    {
        var before = (await fixture.InboxAsync("alice@example.test")).Count;
        var result = await Python($$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{Port("smtp")}}, timeout=20)
            s.ehlo("client.remote.test")
            print(s.sendmail("sender@remote.test", ["Alice@EXAMPLE.test"], b"Subject: plain\r\nFrom: sender@remote.test\r\n\r\nLine one\r\n.starts with a dot\r\n..two dots\r\n"))
            s.quit()
            """);
        result.ShouldBe("{}");
        var uids = await fixture.WaitForInboxAsync("alice@example.test", before + 1);
        var stored = await fixture.ShowAsync("alice@example.test", uids[^1]);
        stored.ShouldStartWith("Return-Path: <sender@remote.test>\r\nDelivered-To: alice@example.test\r\nReceived: from client.remote.test ([127.0.0.1])\r\n\tby example.test (Interchange) with ESMTP id ");
        // smtplib dot-stuffs on the way out; what is stored is exactly what it was given.
        stored.ShouldEndWith("\r\nSubject: plain\r\nFrom: sender@remote.test\r\n\r\nLine one\r\n.starts with a dot\r\n..two dots\r\n");
    }

    [Fact]
    public async Task AliasAndGroup_ExpandToOneCopyPerUser()
    {
        var alice = (await fixture.InboxAsync("alice@example.test")).Count;
        var bob = (await fixture.InboxAsync("bob@example.test")).Count;
        var result = await Python($$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{Port("smtp")}}, timeout=20)
            print(s.sendmail("sender@remote.test", ["team@example.test", "sales@example.test", "alice@example.test"], b"Subject: to the team\r\n\r\nhello team\r\n"))
            s.quit()
            """);
        result.ShouldBe("{}");
        await fixture.WaitForInboxAsync("alice@example.test", alice + 1);
        await fixture.WaitForInboxAsync("bob@example.test", bob + 1);

        // Once the queue is drained, a wrong second copy would be stored: there must be none.
        await fixture.WaitForQueueDrainedAsync();
        (await fixture.InboxAsync("alice@example.test")).Count.ShouldBe(alice + 1);
    }

    [Fact]
    public async Task Submission_StartTlsThenAuthPlainAndLogin_MaySendAnywhere()
    {
        var result = await Python($$"""
            import smtplib, ssl
            {{Tls}}
            for mech in ("PLAIN", "LOGIN"):
                s = smtplib.SMTP("127.0.0.1", {{Port("submission")}}, timeout=20)
                s.ehlo()
                print("auth before tls offered:", s.has_extn("auth"))
                s.starttls(context=ctx)
                s.ehlo()
                print("auth after tls:", s.esmtp_features.get("auth").strip())
                s.user, s.password = "alice@example.test", "{{MailServerFixture.AlicePassword}}"
                print(s.auth(mech, s.auth_plain if mech == "PLAIN" else s.auth_login))
                print(s.sendmail("alice@example.test", ["someone@elsewhere.test", "bob@example.test"], b"Subject: out\r\n\r\nbody\r\n"))
                s.quit()
            """);
        result.ShouldBe("""
            auth before tls offered: False
            auth after tls: PLAIN LOGIN
            (235, b'2.7.0 Authentication successful')
            {}
            auth before tls offered: False
            auth after tls: PLAIN LOGIN
            (235, b'2.7.0 Authentication successful')
            {}
            """.ReplaceLineEndings("\n").TrimEnd());
    }

    [Fact]
    public async Task Submission_RefusesMailWithoutAuth_AuthWithoutTls_WrongPasswords_AndForeignSenders()
    {
        var plain = await fixture.RawAsync("submission", """
            > EHLO client
            <
            > MAIL FROM:<alice@example.test>
            <
            > AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABhbGljZS1zZWNyZXQtMQ==
            <
            > QUIT
            <
            """);
        plain[2].ShouldStartWith("530 5.7.0");
        plain[3].ShouldStartWith("538 5.7.11");

        var result = await Python($$"""
            import smtplib, ssl
            {{Tls}}
            s = smtplib.SMTP("127.0.0.1", {{Port("submission")}}, timeout=20)
            s.starttls(context=ctx); s.ehlo()
            try:
                s.login("alice@example.test", "wrong password")
            except smtplib.SMTPAuthenticationError as e:
                print("wrong password:", e.smtp_code)
            s.login("alice@example.test", "{{MailServerFixture.AlicePassword}}")
            for sender in ("bob@example.test", "sales@example.test", "ALICE@example.test", ""):
                try:
                    s.sendmail(sender, ["bob@example.test"], b"Subject: x\r\n\r\nx\r\n")
                    print(repr(sender), "accepted")
                except smtplib.SMTPSenderRefused as e:
                    print(repr(sender), e.smtp_code)
            s.quit()
            """);
        result.ShouldBe("""
            wrong password: 535
            'bob@example.test' 553
            'sales@example.test' accepted
            'ALICE@example.test' accepted
            '' 553
            """.ReplaceLineEndings("\n").TrimEnd());
    }

    [Fact]
    public async Task Submissions_ImplicitTls_AuthenticatesAndQueues()
    {
        var bob = (await fixture.InboxAsync("bob@example.test")).Count;
        var result = await Python($$"""
            import smtplib, ssl
            {{Tls}}
            s = smtplib.SMTP_SSL("127.0.0.1", {{Port("submissions")}}, timeout=20, context=ctx)
            s.login("bob@example.test", "{{MailServerFixture.BobPassword}}")
            print(s.sendmail("bob@example.test", ["bob@example.test"], b"Subject: note to self\r\n\r\nx\r\n"))
            s.quit()
            """);
        result.ShouldBe("{}");
        var uids = await fixture.WaitForInboxAsync("bob@example.test", bob + 1);
        (await fixture.ShowAsync("bob@example.test", uids[^1])).ShouldContain("with ESMTPSA id");
    }

    [Fact]
    public async Task SmtpUtf8_DeliversToAUtf8Mailbox()
    {
        var before = (await fixture.InboxAsync("用户@example.test")).Count;
        var result = await Python($$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{Port("smtp")}}, timeout=20)
            s.ehlo()
            print(s.has_extn("smtputf8"))
            msg = "Subject: 你好\r\nFrom: 发件人@remote.test\r\n\r\n正文\r\n".encode("utf-8")
            print(s.sendmail("发件人@remote.test", ["用户@example.test"], msg, mail_options=["SMTPUTF8", "BODY=8BITMIME"]))
            try:
                s.sendmail("发件人@remote.test", ["用户@example.test"], msg)
            except smtplib.SMTPSenderRefused as e:
                print(e.smtp_code)
            s.quit()
            """);
        result.ShouldBe("True\n{}\n553");
        var uids = await fixture.WaitForInboxAsync("用户@example.test", before + 1);
        var stored = await fixture.ShowAsync("用户@example.test", uids[^1]);
        stored.ShouldContain("with UTF8SMTP id");
        stored.ShouldContain("Subject: 你好\r\n");
    }

    [Fact]
    public async Task Bdat_Chunks_AreJoinedExactly_WithoutDotUnstuffing()
    {
        var before = (await fixture.InboxAsync("bob@example.test")).Count;
        var replies = await fixture.RawAsync("smtp", """
            > EHLO client
            <
            > MAIL FROM:<chunker@remote.test> BODY=8BITMIME
            <
            > RCPT TO:<bob@example.test>
            <
            >> BDAT 20\r\nSubject: chunked\r\n\r\n
            <
            >> BDAT 16 LAST\r\n.not stuffed\r\n\r\n
            <
            > QUIT
            <
            """);
        replies[4].ShouldStartWith("250 2.0.0 20 octets received");
        replies[5].ShouldStartWith("250 2.0.0 Ok: queued as");
        var uids = await fixture.WaitForInboxAsync("bob@example.test", before + 1);
        (await fixture.ShowAsync("bob@example.test", uids[^1])).ShouldEndWith("Subject: chunked\r\n\r\n.not stuffed\r\n\r\n");
    }

    [Fact]
    public async Task Bdat_AChunkOverTheSizeLimit_IsRefusedAtOnce_NotReadToItsEnd()
    {
        // Before, the server read the declared terabyte (as long as the client kept up the minimum data rate).
        var replies = await fixture.RawAsync("smtp", """
            > EHLO client
            <
            > MAIL FROM:<chunker@remote.test>
            <
            > RCPT TO:<bob@example.test>
            <
            >> BDAT 1000000000000 LAST\r\nSubject: a few bytes of a terabyte\r\n
            <
            """);
        replies[^1].ShouldStartWith("552 5.3.4");

        var outOfSequence = await fixture.RawAsync("smtp", """
            > EHLO client
            <
            >> BDAT 1000000000000\r\nabc
            <
            """);
        outOfSequence[^1].ShouldStartWith("503 5.5.1");
    }

    [Fact]
    public async Task Pipelining_ABatchOfCommands_GetsEveryReply_InOrder()
    {
        var replies = await fixture.RawAsync("smtp", """
            > EHLO client
            <
            >> MAIL FROM:<p@remote.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<nobody@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n
            < 5
            > Subject: pipelined\r\n\r\nbody\r\n.
            <
            > QUIT
            <
            """);
        replies[2].ShouldStartWith("250 2.1.0");
        replies[3].ShouldStartWith("250 2.1.5");
        replies[4].ShouldStartWith("550 5.1.1");
        replies[5].ShouldStartWith("250 2.1.5");
        replies[6].ShouldStartWith("354");
        replies[7].ShouldStartWith("250 2.0.0 Ok: queued as");
    }

    [Theory]
    [InlineData("<alice%elsewhere.test@example.test>", "550 5.1.1")]
    [InlineData("<\"alice@elsewhere.test\"@example.test>", "550 5.1.1")]
    [InlineData("<@example.test:victim@elsewhere.test>", "554 5.7.1")]
    [InlineData("<@example.test,@other.test:victim@elsewhere.test>", "554 5.7.1")]
    [InlineData("<victim@elsewhere.test>", "554 5.7.1")]
    [InlineData("<VICTIM@ELSEWHERE.TEST>", "554 5.7.1")]
    [InlineData("<victim@elsewhere.test.>", "554 5.7.1")]
    [InlineData("<victim@[192.0.2.1]>", "554 5.7.1")]
    [InlineData("<victim@example.test@elsewhere.test>", "501 5.1.3")]
    [InlineData("<alice@EXAMPLE.TEST.>", "250 2.1.5")]
    [InlineData("<ALICE@example.test>", "250 2.1.5")]
    [InlineData("<postmaster>", "250 2.1.5")]
    [InlineData("<Postmaster@example.test>", "250 2.1.5")]
    [InlineData("<nobody@example.test>", "550 5.1.1")]
    public async Task NoOpenRelay_ClassicTricksAreRefused(string recipient, string expected)
    {
        var replies = await fixture.RawAsync("smtp", $"""
            > EHLO client
            <
            > MAIL FROM:<x@remote.test>
            <
            > RCPT TO:{recipient}
            <
            > QUIT
            <
            """);
        replies[3].ShouldStartWith(expected);
    }

    [Fact]
    public async Task BadInput_GetsProtocolErrors_AndTheSessionGoesOn()
    {
        var longLine = "NOOP " + new string('x', 5000);
        var replies = await fixture.RawAsync("smtp", $"""
            > {longLine}
            <
            > MAIL FROM:<a@remote.test>
            <
            > EHLO client
            <
            > FROB
            <
            > DATA
            <
            > RCPT TO:<alice@example.test>
            <
            > MAIL FROM:<a@remote.test> SIZE=999999999
            <
            > MAIL FROM:<a@remote.test> FROB=1
            <
            > MAIL FROM:a@@remote.test
            <
            > NOOP
            <
            > QUIT
            <
            """);
        replies[1].ShouldStartWith("500 5.5.2");
        replies[2].ShouldStartWith("503 5.5.1");
        replies[3].ShouldStartWith("250");
        replies[4].ShouldStartWith("500 5.5.2");
        replies[5].ShouldStartWith("503 5.5.1");
        replies[6].ShouldStartWith("503 5.5.1");
        replies[7].ShouldStartWith("552 5.3.4");
        replies[8].ShouldStartWith("555 5.5.4");
        replies[9].ShouldStartWith("501 5.1.7");
        replies[10].ShouldStartWith("250 2.0.0");
        replies[11].ShouldStartWith("221");
    }

    [Fact]
    public async Task TooBigMessage_Is552_AndTheNextMessageStillGoesThrough()
    {
        var body = new string('y', 998);
        var lines = string.Join("\n", Enumerable.Repeat($"> {body}", (MailServerFixture.MaxMessageSize / 1000) + 20));
        var replies = await fixture.RawAsync("smtp", $"""
            > EHLO client
            <
            > MAIL FROM:<big@remote.test>
            <
            > RCPT TO:<alice@example.test>
            <
            > DATA
            <
            > Subject: big
            >
            {lines}
            > .
            <
            > MAIL FROM:<small@remote.test>
            <
            > RCPT TO:<alice@example.test>
            <
            > DATA
            <
            > Subject: small
            >
            > ok
            > .
            <
            > QUIT
            <
            """);
        replies[4].ShouldStartWith("354");
        replies[5].ShouldStartWith("552 5.3.4");
        replies[9].ShouldStartWith("250 2.0.0 Ok: queued as");
    }

    [Fact]
    public async Task TooManyErrors_EndTheSessionWith421()
    {
        var script = string.Join("\n", Enumerable.Repeat("> FROB\n<", 10)) + "\n<\nclose?";
        var replies = await fixture.RawAsync("smtp", script);
        replies.Count(r => r.StartsWith("500", StringComparison.Ordinal)).ShouldBe(10);
        replies.ShouldContain(r => r.StartsWith("421 4.7.0", StringComparison.Ordinal));
        replies[^1].ShouldBe("CLOSED");
    }

    [Fact]
    public async Task StartTls_DiscardsPlaintextPipelinedBeforeTheHandshake()
    {
        // The injected RSET/MAIL must not run inside the TLS session (the classic STARTTLS
        // command injection): after TLS, the first reply is to our own EHLO.
        var replies = await fixture.RawAsync("smtp", """
            > EHLO client
            <
            >> STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n
            <
            tls
            > EHLO client
            <
            > RCPT TO:<alice@example.test>
            <
            > QUIT
            <
            """);
        replies[2].ShouldStartWith("220 2.0.0");
        replies[3].ShouldStartWith("250");
        replies[4].ShouldStartWith("503 5.5.1", Case.Sensitive, "no MAIL was injected, so RCPT is out of sequence");
    }

    [Fact]
    public async Task MailLoop_TooManyReceivedFields_IsRefused()
    {
        var received = string.Join("\n", Enumerable.Range(0, 101).Select(i => $"> Received: from hop{i}.test by hop{i + 1}.test; Sat, 21 Nov 2026 05:00:00 +0000"));
        var replies = await fixture.RawAsync("smtp", $"""
            > EHLO client
            <
            > MAIL FROM:<loop@remote.test>
            <
            > RCPT TO:<alice@example.test>
            <
            > DATA
            <
            {received}
            > Subject: loop
            >
            > x
            > .
            <
            > QUIT
            <
            """);
        replies[5].ShouldStartWith("554 5.4.6");
    }

    [Fact]
    public async Task AnIdleSession_IsClosedWith421_AfterTheCommandTimeout()
    {
        var replies = await fixture.RawAsync("smtp", """
            > EHLO client
            <
            sleep 6
            <
            close?
            """);
        replies[2].ShouldStartWith("421 4.4.2");
        replies[^1].ShouldBe("CLOSED");
    }

    [Fact]
    public async Task ConnectionsBeyondThePerAddressLimit_Get421_AndTheOthersAreServed()
    {
        var result = await Python($$"""
            import socket
            held = []
            for i in range(50):
                s = socket.create_connection(("127.0.0.1", {{Port("smtp")}}), timeout=20)
                held.append((s, s.makefile("rb")))
                print(held[-1][1].readline().decode()[:3], end=" ")
            print()
            extra = socket.create_connection(("127.0.0.1", {{Port("smtp")}}), timeout=20)
            print(extra.makefile("rb").readline().decode().strip()[:9])
            s, f = held[0]
            s.sendall(b"NOOP\r\n"); print(f.readline().decode().strip())
            for s, _ in held: s.close()
            """);
        var lines = result.Split('\n');
        lines[0].Trim().Split(' ').ShouldAllBe(code => code == "220");
        lines[1].ShouldBe("421 4.7.0");
        lines[2].ShouldBe("250 2.0.0 Ok");
    }

    [Fact]
    public async Task TheHundredAndFirstRecipient_Gets452_AndTheMessageStillGoesToTheFirstHundred()
    {
        var rcpts = string.Join("\n", Enumerable.Range(0, 101).Select(_ => "> RCPT TO:<alice@example.test>\n<"));
        var replies = await fixture.RawAsync("smtp", $"""
            > EHLO client
            <
            > MAIL FROM:<many@remote.test>
            <
            {rcpts}
            > RSET
            <
            > QUIT
            <
            """);
        replies.Skip(3).Take(100).ShouldAllBe(r => r.StartsWith("250 2.1.5", StringComparison.Ordinal));
        replies[103].ShouldStartWith("452 4.5.3");
        replies[104].ShouldStartWith("250 2.0.0");
    }

    [Fact]
    public async Task TooManyCommandsWithoutMail_EndTheSession()
    {
        var script = "> EHLO client\n<\n" + string.Join("\n", Enumerable.Repeat("> NOOP\n<", 100)) + "\n> NOOP\n<\nclose?";
        var replies = await fixture.RawAsync("smtp", script);
        replies.Count(r => r.StartsWith("250 2.0.0 Ok", StringComparison.Ordinal)).ShouldBe(100, "100 NOOPs are served (EHLO is part of mail and not counted); the 101st is one too many");
        replies.ShouldContain(r => r.StartsWith("421 4.7.0", StringComparison.Ordinal));
        replies[^1].ShouldBe("CLOSED");
    }

    [Fact]
    public async Task Auth_CanBeCancelled_RefusesUnknownMechanisms_AndStopsAfterThreeFailures()
    {
        var replies = await fixture.RawAsync("submission", """
            > EHLO client
            <
            > STARTTLS
            <
            tls
            > EHLO client
            <
            > AUTH CRAM-MD5
            <
            > AUTH LOGIN
            <
            > *
            <
            > AUTH PLAIN not-base64!
            <
            > AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB3cm9uZzE=
            <
            > AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB3cm9uZzI=
            <
            > AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB3cm9uZzM=
            <
            <
            close?
            """);
        replies[4].ShouldStartWith("504 5.5.4");
        replies[5].ShouldStartWith("334 VXNlcm5hbWU6");
        replies[6].ShouldStartWith("501 5.7.0");
        replies[7].ShouldStartWith("501 5.5.2");
        replies[8].ShouldStartWith("535 5.7.8");
        replies[9].ShouldStartWith("535 5.7.8");
        replies[10].ShouldStartWith("535 5.7.8");
        replies[11].ShouldStartWith("421 4.7.0");
        replies[^1].ShouldBe("CLOSED");
    }

    [Fact]
    public async Task Port25_AfterStartTlsAndAuth_RefusesSendersTheUserDoesNotOwn_As587Does()
    {
        var result = await Python($$"""
            import smtplib, ssl
            {{Tls}}
            s = smtplib.SMTP("127.0.0.1", {{Port("smtp")}}, timeout=20)
            s.starttls(context=ctx); s.ehlo()
            s.login("alice@example.test", "{{MailServerFixture.AlicePassword}}")
            for sender, rcpt in (("bob@example.test", "bob@example.test"), ("victim@elsewhere.test", "someone@elsewhere.test"), ("alice@example.test", "bob@example.test")):
                try:
                    s.sendmail(sender, [rcpt], b"Subject: x\r\n\r\nx\r\n")
                    print(sender, "accepted")
                except smtplib.SMTPSenderRefused as e:
                    print(sender, e.smtp_code)
            s.quit()
            """);
        result.ShouldBe("""
            bob@example.test 553
            victim@elsewhere.test 553
            alice@example.test accepted
            """.ReplaceLineEndings("\n").TrimEnd());
    }

    [Fact]
    public async Task Postmaster_OfEveryLocalDomain_IsAccepted_AndGoesToThePrimaryPostmaster_UnlessTheDomainHasItsOwn()
    {
        (await fixture.Cli(null, "domain", "add", "pm-second.test")).ExitCode.ShouldBe(0);
        (await fixture.Cli(null, "domain", "add", "pm-third.test")).ExitCode.ShouldBe(0);
        (await fixture.Cli(null, "alias", "add", "postmaster@pm-third.test", "bob@example.test")).ExitCode.ShouldBe(0);
        var postmaster = (await fixture.InboxAsync("postmaster@example.test")).Count;
        var bob = (await fixture.InboxAsync("bob@example.test")).Count;
        var result = await Python($$"""
            import smtplib
            s = smtplib.SMTP("127.0.0.1", {{Port("smtp")}}, timeout=20)
            for rcpt in ("postmaster@pm-second.test", "Postmaster@PM-SECOND.TEST", "postmaster", "postmaster@pm-third.test"):
                try:
                    print(rcpt, s.sendmail("someone@remote.test", [rcpt], ("Subject: pm test %s\r\n\r\nx\r\n" % rcpt).encode()))
                except smtplib.SMTPRecipientsRefused as e:
                    print(rcpt, e.recipients[rcpt][0])
            s.quit()
            """);
        result.ShouldBe("""
            postmaster@pm-second.test {}
            Postmaster@PM-SECOND.TEST {}
            postmaster {}
            postmaster@pm-third.test {}
            """.ReplaceLineEndings("\n").TrimEnd());
        var uids = await fixture.WaitForInboxAsync("postmaster@example.test", postmaster + 3);
        var subjects = new List<string>();
        foreach (var uid in uids.Skip(postmaster))
        {
            subjects.Add((await fixture.ShowAsync("postmaster@example.test", uid)).Split("\r\n").Single(l => l.StartsWith("Subject: ", StringComparison.Ordinal)));
        }

        subjects.Order(StringComparer.Ordinal).ShouldBe(["Subject: pm test Postmaster@PM-SECOND.TEST", "Subject: pm test postmaster", "Subject: pm test postmaster@pm-second.test"]);
        var bobs = await fixture.WaitForInboxAsync("bob@example.test", bob + 1);
        (await fixture.ShowAsync("bob@example.test", bobs[^1])).ShouldContain("Subject: pm test postmaster@pm-third.test\r\n");
    }

    [Fact]
    public async Task Submission_AddsDateAndMessageId_WhenMissing_KeepsTheClients_AndPort25AddsNothing()
    {
        var marker = Guid.NewGuid().ToString("N")[..8];
        var before = (await fixture.InboxAsync("bob@example.test")).Count;
        var result = await Python($$"""
            import smtplib, ssl
            {{Tls}}
            bare = b"Subject: %s bare\r\nFrom: alice@example.test\r\nX-Note: folded\r\n Date: not a field\r\n\r\nDate: in the body\r\nMessage-ID: <in the body>\r\n"
            own = b"Subject: %s own\r\ndate: Tue, 01 Dec 2026 10:00:00 +0000\r\nMESSAGE-ID: <own@client.test>\r\n\r\nbody\r\n"
            s = smtplib.SMTP("127.0.0.1", {{Port("submission")}}, timeout=20)
            s.starttls(context=ctx); s.ehlo()
            s.login("alice@example.test", "{{MailServerFixture.AlicePassword}}")
            print(s.sendmail("alice@example.test", ["bob@example.test"], bare % b"{{marker}}-587"))
            print(s.sendmail("alice@example.test", ["bob@example.test"], own % b"{{marker}}-587"))
            s.quit()
            s = smtplib.SMTP_SSL("127.0.0.1", {{Port("submissions")}}, timeout=20, context=ctx)
            s.login("alice@example.test", "{{MailServerFixture.AlicePassword}}")
            print(s.sendmail("alice@example.test", ["bob@example.test"], bare % b"{{marker}}-465"))
            s.quit()
            s = smtplib.SMTP("127.0.0.1", {{Port("smtp")}}, timeout=20)
            print(s.sendmail("alice@example.test", ["bob@example.test"], bare % b"{{marker}}-25"))
            s.quit()
            """);
        result.ShouldBe("{}\n{}\n{}\n{}");
        var uids = await fixture.WaitForInboxAsync("bob@example.test", before + 4);
        var messages = new Dictionary<string, string>();
        foreach (var uid in uids.Skip(before))
        {
            var text = await fixture.ShowAsync("bob@example.test", uid);
            var subject = text.Split("\r\n").Single(l => l.StartsWith("Subject: ", StringComparison.Ordinal));
            messages[subject["Subject: ".Length..]] = text;
        }

        static string[] HeaderFields(string message, string name) =>
            message[..message.IndexOf("\r\n\r\n", StringComparison.Ordinal)].Split("\r\n").Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).ToArray();

        foreach (var port in new[] { "587", "465" })
        {
            var added = messages[$"{marker}-{port} bare"];
            HeaderFields(added, "Date").ShouldHaveSingleItem(added).ShouldMatch(@"^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$");
            HeaderFields(added, "Message-ID").ShouldHaveSingleItem(added).ShouldMatch(@"^Message-ID: <[^<>@\s]+@example\.test>$");
            added.ShouldEndWith("X-Note: folded\r\n Date: not a field\r\n" + HeaderFields(added, "Date")[0] + "\r\n" + HeaderFields(added, "Message-ID")[0] + "\r\n\r\nDate: in the body\r\nMessage-ID: <in the body>\r\n");
        }

        var own = messages[$"{marker}-587 own"];
        HeaderFields(own, "Date").ShouldBe(["date: Tue, 01 Dec 2026 10:00:00 +0000"]);
        HeaderFields(own, "Message-ID").ShouldBe(["MESSAGE-ID: <own@client.test>"]);

        var inbound = messages[$"{marker}-25 bare"];
        HeaderFields(inbound, "Date").ShouldBeEmpty();
        HeaderFields(inbound, "Message-ID").ShouldBeEmpty();
    }

    private string Port(string protocol) => fixture.Server.Port(protocol).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<string> Python(string script)
    {
        var result = await ExternalProcess.PythonAsync(script);
        result.ExitCode.ShouldBe(0, ExternalProcess.Describe(result));
        return result.Stdout.ReplaceLineEndings("\n").TrimEnd();
    }
}
