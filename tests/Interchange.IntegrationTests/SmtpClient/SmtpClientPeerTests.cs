using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Interchange.Smtp.Client;
using Interchange.Smtp.Protocol;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.SmtpClient;

/// <summary>
/// The outbound SMTP client against servers others wrote, each on a loopback address of its own:
/// Postfix's smtp-sink (dumps each transaction as it came: the MAIL/RCPT arguments and the
/// dot-stuffed data), aiosmtpd (hands over the content exactly as received, answers chosen
/// recipients with chosen replies, STARTTLS, AUTH, SIZE), a Postfix instance (CHUNKING), and
/// small Python socket servers that misbehave.
/// </summary>
public sealed class SmtpClientPeerTests : IDisposable
{
    private static readonly string AiosmtpdPeer = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "SmtpClient", "aiosmtpd_peer.py"));
    private static readonly string PostfixScript = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "peers", "postfix-instance.sh"));
    private readonly ScratchFolder _scratch = new();

    public SmtpClientPeerTests()
    {
        System.IO.Directory.CreateDirectory(_scratch.Path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_scratch.Path, (UnixFileMode)0x1FF); // smtp-sink writes as nobody
        }
    }

    public void Dispose() => _scratch.Dispose();

    private static SmtpClientOptions Options(SmtpTlsMode tls = SmtpTlsMode.May) => new()
    {
        HeloName = "client.interchange.test",
        TlsMode = tls,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        GreetingTimeout = TimeSpan.FromSeconds(20),
        CommandTimeout = TimeSpan.FromSeconds(20),
        MailTimeout = TimeSpan.FromSeconds(20),
        RcptTimeout = TimeSpan.FromSeconds(20),
        DataInitTimeout = TimeSpan.FromSeconds(20),
        DataBlockTimeout = TimeSpan.FromSeconds(20),
        DataFinalTimeout = TimeSpan.FromSeconds(20),
    };

    private static SmtpPath Path_(string address)
    {
        SmtpPath.TryParse($"<{address}>", out var path, out _, out var error).ShouldBeTrue(error);
        return path;
    }

    private static SmtpOutboundEnvelope Envelope(params string[] recipients) =>
        new(Path_("sender@origin.test"), recipients.Select(r => new SmtpOutboundRecipient(Path_(r))).ToList());

    private static Task<SmtpDeliveryResult> SendAsync(SmtpClientSession session, SmtpOutboundEnvelope envelope, byte[] content) =>
        session.SendAsync(envelope, new MemoryStream(content), content.Length);

    private async Task<RemotePeer> StartSinkAsync(params string[] flags)
    {
        var (address, port) = RemotePeer.NextEndpoint();
        var dump = Path.Combine(_scratch.Path, "sink") + "/%H%M%S.";
        return await RemotePeer.StartAsync(address, port, "/usr/sbin/smtp-sink", ["-u", "nobody", "-d", dump, .. flags, $"{address}:{port}", "10"], readyLine: null);
    }

    private async Task<RemotePeer> StartAiosmtpdAsync(params string[] flags)
    {
        var (address, port) = RemotePeer.NextEndpoint();
        var outDir = Path.Combine(_scratch.Path, "aio");
        System.IO.Directory.CreateDirectory(outDir);
        return await RemotePeer.StartAsync(address, port, "/usr/bin/python3", [AiosmtpdPeer, address.ToString(), $"{port}", outDir, .. flags], readyLine: "ready");
    }

    private string[] SinkDumps() => System.IO.Directory.Exists(Path.Combine(_scratch.Path, "sink")) ? System.IO.Directory.GetFiles(Path.Combine(_scratch.Path, "sink")).Order().ToArray() : [];

    private List<JsonElement> AiosmtpdMessages() => System.IO.Directory.GetFiles(Path.Combine(_scratch.Path, "aio"), "*.json").Order()
        .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone()).ToList();

    /// <summary>smtp-sink's dump: its own X- headers, its 3-line Received field, then the data lines as received (un-stuffed), LF-ended.</summary>
    private static (Dictionary<string, List<string>> Args, string Data) ParseDump(string file)
    {
        var lines = File.ReadAllText(file, Encoding.Latin1).Split('\n').ToList();
        var args = new Dictionary<string, List<string>>();
        var i = 0;
        for (; !lines[i].StartsWith("Received:", StringComparison.Ordinal); i++)
        {
            var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            var key = lines[i][..colon];
            if (!args.TryGetValue(key, out var list))
            {
                args[key] = list = [];
            }

            list.Add(lines[i][(colon + 2)..]);
        }

        // Received: + two continuation lines; then the message, then the empty line smtp-sink adds, then the file's final LF.
        var data = string.Join('\n', lines.Skip(i + 3).SkipLast(2));
        return (args, data + "\n");
    }

    private static async Task<T> Bounded<T>(Task<T> task, int seconds = 60)
    {
        (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds)))).ShouldBe(task, $"did not finish within {seconds} s");
        return await task;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sink_PlainDelivery_DotLinesSurviveTheStuffing_WithAndWithoutPipelining(bool pipelining)
    {
        await using var sink = await StartSinkAsync(pipelining ? [] : ["-p"]);
        var message = "From: a@origin.test\r\nSubject: plain\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nlast line\r\n"u8.ToArray();
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(sink.Address, sink.Port, "sink.test"), Options());
        session.Capabilities.Pipelining.ShouldBe(pipelining, session.Capabilities.ToString());

        var result = await SendAsync(session, Envelope("one@dest.test", "two@dest.test"), message);

        result.Recipients.Select(r => r.Kind).ShouldAllBe(k => k == SmtpOutcomeKind.Delivered, string.Join("; ", result.Recipients));
        result.FinalReply!.Code.ShouldBe(250);
        result.ConnectionReusable.ShouldBeTrue();
        await session.QuitAsync();
        var dump = await WaitForAsync(() => SinkDumps(), 1);
        var (args, data) = ParseDump(dump[0]);
        args["X-Mail-Args"].ShouldBe(["<sender@origin.test>"]);
        args["X-Rcpt-Args"].ShouldBe(["<one@dest.test>", "<two@dest.test>"]);
        args["X-Helo-Args"].ShouldBe(["client.interchange.test"]);
        data.ShouldBe("From: a@origin.test\nSubject: plain\n\n.leading dot\n..two dots\n.\nlast line\n");
    }

    [Fact]
    public async Task Aiosmtpd_ContentArrivesByteExact_AFinalCrLfAddedWhenMissing()
    {
        await using var peer = await StartAiosmtpdAsync();
        var message = "Subject: exact\r\nX-Bin: \t tab\r\n\r\n.\r\n..\r\n. not the end\r\nno final line end"u8.ToArray();
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(peer.Address, peer.Port, "peer.test"), Options());

        var result = await SendAsync(session, Envelope("one@dest.test"), message);

        result.Recipients.Single().Kind.ShouldBe(SmtpOutcomeKind.Delivered, result.ToString());
        var received = (await WaitForAsync(AiosmtpdMessages, 1)).Single();
        Convert.FromBase64String(received.GetProperty("content").GetString()!).ShouldBe([.. message, .. "\r\n"u8.ToArray()]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sink_DsnParameters_PassedOnlyToAPeerThatOffersDsn(bool peerOffersDsn)
    {
        await using var sink = await StartSinkAsync(peerOffersDsn ? [] : ["-N"]);
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(sink.Address, sink.Port, "sink.test"), Options());
        var envelope = new SmtpOutboundEnvelope(
            Path_("sender@origin.test"),
            [new SmtpOutboundRecipient(Path_("one@dest.test"), "SUCCESS,FAILURE", "rfc822;One+2BAlias@dest.test"), new SmtpOutboundRecipient(Path_("two@dest.test"), "NEVER")],
            EnvelopeId: "id=42 +x",
            Return: SmtpDsnReturn.Headers);

        var result = await SendAsync(session, envelope, "Subject: dsn\r\n\r\nbody\r\n"u8.ToArray());

        result.Delivered.Count().ShouldBe(2, result.ToString());
        var (args, _) = ParseDump((await WaitForAsync(() => SinkDumps(), 1))[0]);
        if (peerOffersDsn)
        {
            args["X-Mail-Args"].ShouldBe(["<sender@origin.test> RET=HDRS ENVID=id+3D42+20+2Bx"]);
            args["X-Rcpt-Args"].ShouldBe(["<one@dest.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;One+2BAlias@dest.test", "<two@dest.test> NOTIFY=NEVER"]);
        }
        else
        {
            args["X-Mail-Args"].ShouldBe(["<sender@origin.test>"]);
            args["X-Rcpt-Args"].ShouldBe(["<one@dest.test>", "<two@dest.test>"]);
        }
    }

    [Fact]
    public async Task Aiosmtpd_PerRecipientReplies_OnlyAcceptedRecipientsDelivered()
    {
        await using var peer = await StartAiosmtpdAsync("--reject", "gone@dest.test=550 5.1.1 no such user", "--reject", "full@dest.test=452 4.2.2 mailbox full");
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(peer.Address, peer.Port, "peer.test"), Options());

        var result = await SendAsync(session, Envelope("ok@dest.test", "gone@dest.test", "full@dest.test"), "Subject: mixed\r\n\r\nx\r\n"u8.ToArray());

        var byAddress = result.Recipients.ToDictionary(r => r.Recipient.Address.Address);
        byAddress["ok@dest.test"].Kind.ShouldBe(SmtpOutcomeKind.Delivered);
        byAddress["gone@dest.test"].Kind.ShouldBe(SmtpOutcomeKind.Failed);
        byAddress["gone@dest.test"].EnhancedCode.ShouldBe("5.1.1");
        byAddress["gone@dest.test"].Local.ShouldBeFalse();
        byAddress["full@dest.test"].Kind.ShouldBe(SmtpOutcomeKind.Deferred);
        byAddress["full@dest.test"].Reply.Code.ShouldBe(452);
        byAddress["full@dest.test"].EnhancedCode.ShouldBe("4.2.2");
        var received = (await WaitForAsync(AiosmtpdMessages, 1)).Single();
        received.GetProperty("rcpt_tos").EnumerateArray().Select(e => e.GetString()).ShouldBe(["ok@dest.test"]);
    }

    [Theory]
    [InlineData("-f", SmtpOutcomeKind.Failed)]
    [InlineData("-r", SmtpOutcomeKind.Deferred)]
    public async Task Sink_ReplyAfterTheData_DecidesForEveryAcceptedRecipient(string flag, SmtpOutcomeKind expected)
    {
        // smtp-sink -f "." / -r ".": a hard or soft refusal of the final dot (this implies no PIPELINING).
        await using var sink = await StartSinkAsync(flag, ".");
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(sink.Address, sink.Port, "sink.test"), Options());

        var result = await SendAsync(session, Envelope("one@dest.test", "two@dest.test"), "Subject: refused\r\n\r\nx\r\n"u8.ToArray());

        result.Recipients.Count.ShouldBe(2);
        result.Recipients.ShouldAllBe(r => r.Kind == expected && !r.Local, result.ToString());
        result.FinalReply!.Code.ShouldBe(expected == SmtpOutcomeKind.Failed ? 500 : 450);
        result.ConnectionReusable.ShouldBeTrue();
        (await SendAsync(session, Envelope("three@dest.test"), "Subject: again\r\n\r\nx\r\n"u8.ToArray())).Recipients.Single().Kind.ShouldBe(expected, "the connection carries the next transaction");
    }

    [Fact]
    public async Task Aiosmtpd_AllRecipientsRefused_NoDataSent_AndTheConnectionStillCarriesTheNext()
    {
        await using var peer = await StartAiosmtpdAsync("--reject", "gone@dest.test=550 5.1.1 no such user");
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(peer.Address, peer.Port, "peer.test"), Options());

        var refused = await SendAsync(session, Envelope("gone@dest.test"), "Subject: none\r\n\r\nx\r\n"u8.ToArray());
        var next = await SendAsync(session, Envelope("ok@dest.test"), "Subject: next\r\n\r\ny\r\n"u8.ToArray());

        refused.Recipients.Single().Kind.ShouldBe(SmtpOutcomeKind.Failed);
        refused.ConnectionReusable.ShouldBeTrue();
        next.Recipients.Single().Kind.ShouldBe(SmtpOutcomeKind.Delivered, next.ToString());
        var received = await WaitForAsync(AiosmtpdMessages, 1);
        received.Count.ShouldBe(1);
        Encoding.ASCII.GetString(Convert.FromBase64String(received[0].GetProperty("content").GetString()!)).ShouldContain("Subject: next");
    }

    [Fact]
    public async Task Aiosmtpd_ConnectionReuse_TwoMessagesOnOneConnection()
    {
        await using var peer = await StartAiosmtpdAsync();
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(peer.Address, peer.Port, "peer.test"), Options());

        var first = await SendAsync(session, Envelope("a@dest.test"), "Subject: 1\r\n\r\none\r\n"u8.ToArray());
        first.ConnectionReusable.ShouldBeTrue();
        (await session.ResetAsync()).ShouldBeTrue("RSET probe of the cached connection");
        var second = await SendAsync(session, Envelope("b@dest.test"), "Subject: 2\r\n\r\ntwo\r\n"u8.ToArray());
        await session.QuitAsync();

        first.Delivered.Count().ShouldBe(1);
        second.Delivered.Count().ShouldBe(1);
        session.Transactions.ShouldBe(2);
        var received = await WaitForAsync(AiosmtpdMessages, 2);
        received.Select(m => m.GetProperty("connection").GetInt32()).Distinct().Count().ShouldBe(1, "both messages came over one TCP connection (the client port)");
    }

    [Fact]
    public async Task Sink_EightBitMessageToAPeerWithout8BitMime_IsConvertedTo7Bit_HeadersKept()
    {
        await using var sink = await StartSinkAsync("-8");
        var text = "Grüße aus Köln, naïve café — ünïcödé\r\n";
        var message = Encoding.UTF8.GetBytes("From: a@origin.test\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <m1@origin.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text);
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(sink.Address, sink.Port, "sink.test"), Options());
        session.Capabilities.EightBitMime.ShouldBeFalse();

        var result = await SendAsync(session, Envelope("one@dest.test") with { BodyType = SmtpBodyType.EightBitMime }, message);

        result.Delivered.Count().ShouldBe(1, result.ToString());
        result.Note.ShouldNotBeNull().ShouldContain("converted to 7-bit");
        var file = (await WaitForAsync(() => SinkDumps(), 1))[0];
        var (args, data) = ParseDump(file);
        args["X-Mail-Args"].ShouldBe(["<sender@origin.test>"], "no BODY=8BITMIME to a peer without it");
        File.ReadAllBytes(file).ShouldAllBe(b => b < 128);
        data.ShouldContain("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\nMessage-ID: <m1@origin.test>\n");

        // An independent MIME parser decodes the body back to the original text.
        var unstuffed = data;
        var decoded = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", "import sys, email; m = email.message_from_bytes(sys.stdin.buffer.read()); print(m['Content-Transfer-Encoding']); sys.stdout.buffer.write(m.get_payload(decode=True))"], stdin: unstuffed);
        decoded.ExitCode.ShouldBe(0, ExternalProcess.Describe(decoded));
        decoded.Stdout.ReplaceLineEndings("\n").ShouldBe((unstuffed.Contains("base64", StringComparison.OrdinalIgnoreCase) ? "base64" : "quoted-printable") + "\n" + text.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sink_BinaryMimeToAPeerWithoutChunking_BinaryPartBecomesBase64_SentAs8BitMime()
    {
        await using var sink = await StartSinkAsync();
        var payload = Enumerable.Range(0, 3000).Select(i => (byte)(i * 31 % 256)).ToArray(); // NULs, bare CR and LF, no line structure
        var head = Encoding.ASCII.GetBytes("From: a@origin.test\r\nSubject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        var text = Encoding.UTF8.GetBytes("Anhang: Grüße\r\n");
        var part = Encoding.ASCII.GetBytes("--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes("\r\n--b1--\r\n");
        byte[] message = [.. head, .. text, .. part, .. payload, .. tail];
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(sink.Address, sink.Port, "sink.test"), Options());
        session.Capabilities.Chunking.ShouldBeFalse();

        var result = await SendAsync(session, Envelope("one@dest.test") with { BodyType = SmtpBodyType.BinaryMime }, message);

        result.Delivered.Count().ShouldBe(1, result.ToString());
        var file = (await WaitForAsync(() => SinkDumps(), 1))[0];
        var (args, data) = ParseDump(file);
        args["X-Mail-Args"].ShouldBe(["<sender@origin.test> BODY=8BITMIME"], "8-bit text may stay; the binary part may not");
        File.ReadAllBytes(file).ShouldNotContain((byte)0);
        var script = "import sys, email, hashlib; m = email.message_from_bytes(sys.stdin.buffer.read()); parts = m.get_payload(); print(parts[1]['Content-Transfer-Encoding'], hashlib.sha256(parts[1].get_payload(decode=True)).hexdigest())";
        var decoded = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", script], stdin: data);
        decoded.ExitCode.ShouldBe(0, ExternalProcess.Describe(decoded));
        decoded.Stdout.Trim().ShouldBe("base64 " + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)));
    }

    [Fact]
    public async Task Sink_MessageThatNeedsSmtpUtf8_ToAPeerWithoutIt_FailsPermanently_NothingSent()
    {
        await using var sink = await StartSinkAsync();
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(sink.Address, sink.Port, "sink.test"), Options());
        session.Capabilities.SmtpUtf8.ShouldBeFalse();

        var result = await SendAsync(session, Envelope("jörg@dest.test", "plain@dest.test") with { SmtpUtf8 = true }, "Subject: utf8\r\n\r\nx\r\n"u8.ToArray());

        result.Recipients.ShouldAllBe(r => r.Kind == SmtpOutcomeKind.Failed && r.EnhancedCode == "5.6.7" && r.Local);
        result.ConnectionReusable.ShouldBeTrue();
        await session.QuitAsync();
        SinkDumps().ShouldBeEmpty();
    }

    [Fact]
    public async Task Aiosmtpd_MessageOverThePeersSize_FailsWith534_NothingSent()
    {
        await using var peer = await StartAiosmtpdAsync("--size", "1000");
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(peer.Address, peer.Port, "peer.test"), Options());
        session.Capabilities.MaxSize.ShouldBe(1000);

        var big = await SendAsync(session, Envelope("one@dest.test"), Encoding.ASCII.GetBytes("Subject: big\r\n\r\n" + new string('x', 2000) + "\r\n"));
        var small = await SendAsync(session, Envelope("one@dest.test"), "Subject: small\r\n\r\nx\r\n"u8.ToArray());

        big.Recipients.Single().Kind.ShouldBe(SmtpOutcomeKind.Failed);
        big.Recipients.Single().EnhancedCode.ShouldBe("5.3.4");
        big.Recipients.Single().Local.ShouldBeTrue();
        small.Delivered.Count().ShouldBe(1, small.ToString());
        var received = await WaitForAsync(AiosmtpdMessages, 1);
        received.Count.ShouldBe(1);
        received[0].GetProperty("mail_options").EnumerateArray().Select(e => e.GetString()).ShouldContain(o => o!.StartsWith("SIZE=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sink_RequiredTls_PeerWithoutStartTls_TemporaryFailure_NothingSent()
    {
        await using var sink = await StartSinkAsync();
        var connect = () => SmtpClientSession.ConnectAsync(new SmtpTarget(sink.Address, sink.Port, "sink.test"), Options(SmtpTlsMode.Encrypt));

        var failure = await Should.ThrowAsync<SmtpClientException>(connect);

        failure.Stage.ShouldBe("starttls");
        failure.Permanent.ShouldBeFalse();
        failure.Reply.Code.ShouldBe(421);
        failure.Reply.Enhanced.ShouldBe("4.7.10");
        SinkDumps().ShouldBeEmpty();
    }

    [Fact]
    public async Task Aiosmtpd_OpportunisticTls_UsedWhenOffered_VerifyNeedsATrustedCertificate()
    {
        var (cert, key) = await SelfSignedAsync("peer.test");
        await using var peer = await StartAiosmtpdAsync("--tls", cert, key);
        var target = new SmtpTarget(peer.Address, peer.Port, "peer.test");

        await using (var session = await SmtpClientSession.ConnectAsync(target, Options()))
        {
            session.Tls.Level.ShouldBe(SmtpTlsLevel.Opportunistic, "a self-signed certificate is taken, unverified (RFC 7435)");
            session.Tls.Protocol.ShouldNotBe(System.Security.Authentication.SslProtocols.None);
            session.Tls.Cipher.ShouldNotBeNullOrEmpty();
            session.Capabilities.StartTls.ShouldBeFalse("EHLO again after STARTTLS (aiosmtpd no longer offers it)");
            (await SendAsync(session, Envelope("one@dest.test"), "Subject: tls\r\n\r\nx\r\n"u8.ToArray())).Delivered.Count().ShouldBe(1);
        }

        var refused = await Should.ThrowAsync<SmtpClientException>(() => SmtpClientSession.ConnectAsync(target, Options(SmtpTlsMode.Verify)));
        refused.TlsHandshakeFailed.ShouldBeTrue();
        refused.Permanent.ShouldBeFalse();

        var trusted = Options(SmtpTlsMode.Verify);
        trusted.TrustAnchors = [X509Certificate2.CreateFromPem(File.ReadAllText(cert))];
        await using (var session = await SmtpClientSession.ConnectAsync(target, trusted))
        {
            session.Tls.Level.ShouldBe(SmtpTlsLevel.Verified);
        }

        var received = await WaitForAsync(AiosmtpdMessages, 1);
        received.Single().GetProperty("tls").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Aiosmtpd_AuthPlainOverTls_Succeeds_WrongPasswordAndPlaintextAreRefused()
    {
        var (cert, key) = await SelfSignedAsync("peer.test");
        await using var peer = await StartAiosmtpdAsync("--tls", cert, key, "--auth", "relay-user:s3cret");
        var target = new SmtpTarget(peer.Address, peer.Port, "peer.test");
        var good = Options();
        good.Credentials = new SmtpClientCredentials("relay-user", "s3cret");

        await using (var session = await SmtpClientSession.ConnectAsync(target, good))
        {
            session.Authenticated.ShouldBeTrue();
            (await SendAsync(session, Envelope("one@dest.test"), "Subject: auth\r\n\r\nx\r\n"u8.ToArray())).Delivered.Count().ShouldBe(1);
        }

        var bad = Options();
        bad.Credentials = new SmtpClientCredentials("relay-user", "wrong");
        var refused = await Should.ThrowAsync<SmtpClientException>(() => SmtpClientSession.ConnectAsync(target, bad));
        refused.Stage.ShouldBe("auth");
        refused.Reply.Code.ShouldBe(535);
        refused.Local.ShouldBeFalse();

        var clear = Options(SmtpTlsMode.None);
        clear.Credentials = good.Credentials;
        var local = await Should.ThrowAsync<SmtpClientException>(() => SmtpClientSession.ConnectAsync(target, clear));
        local.Stage.ShouldBe("auth");
        local.Local.ShouldBeTrue("credentials are never sent in clear unless allowed");

        var received = await WaitForAsync(AiosmtpdMessages, 1);
        received.Single().GetProperty("auth").GetString().ShouldBe("relay-user");
    }

    [Fact]
    public async Task Postfix_Chunking_BdatInSmallChunks_ArrivesWhole()
    {
        var port = FreePortOn(IPAddress.Loopback); // the script's Postfix listens on 127.0.0.1
        var instance = Path.Combine(_scratch.Path, "postfix");
        var started = await ExternalProcess.RunAsync("bash", [PostfixScript, "start", instance, $"{port}", "accept", "dest.test"], timeout: TimeSpan.FromSeconds(60));
        started.ExitCode.ShouldBe(0, ExternalProcess.Describe(started));
        try
        {
            var options = Options();
            options.ChunkSize = 700;
            await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(IPAddress.Loopback, port, "peer.test"), options);
            session.Capabilities.Chunking.ShouldBeTrue(session.Capabilities.ToString());
            var body = string.Join("\r\n", Enumerable.Range(0, 100).Select(i => $".line {i} of a message sent in BDAT chunks"));
            var message = Encoding.ASCII.GetBytes($"From: a@origin.test\r\nSubject: chunked\r\nMessage-ID: <chunk@origin.test>\r\nDate: Tue, 1 Dec 2026 12:00:00 +0000\r\n\r\n{body}\r\n");

            var result = await SendAsync(session, Envelope("alice@dest.test") with { BodyType = SmtpBodyType.EightBitMime }, message);
            await session.QuitAsync();

            result.Delivered.Count().ShouldBe(1, result.ToString());
            var files = await WaitForAsync(() => System.IO.Directory.Exists(Path.Combine(instance, "mail")) ? System.IO.Directory.GetFiles(Path.Combine(instance, "mail"), "*", SearchOption.AllDirectories).Where(f => f.Contains("/new/", StringComparison.Ordinal)).ToArray() : [], 1);
            var delivered = File.ReadAllText(files[0]);
            delivered.ShouldContain("with ESMTP");
            delivered.ShouldEndWith("Subject: chunked\nMessage-ID: <chunk@origin.test>\nDate: Tue, 1 Dec 2026 12:00:00 +0000\n\n" + body.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
            var log = await ExternalProcess.RunAsync("bash", [PostfixScript, "log", instance]);
            log.Stdout.ShouldContain("bdat=");
        }
        finally
        {
            await ExternalProcess.RunAsync("bash", [PostfixScript, "stop", instance]);
        }
    }

    [Fact]
    public async Task PipeliningPeer_MailRcptsAndDataComeInOneWrite_RepliesMatchedInOrder()
    {
        // A server that offers PIPELINING and prints what each read after EHLO brought; it refuses
        // the second recipient, so the bookkeeping must give the 550 to that one only.
        var (address, port) = RemotePeer.NextEndpoint();
        var script = $$"""
            import socket, json
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("{{address}}", {{port}})); s.listen(1); print("ready", flush=True)
            c, _ = s.accept()
            c.sendall(b"220 peer.test ESMTP\r\n")
            c.recv(1000)
            c.sendall(b"250-peer.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n")
            batch = c.recv(65536).decode()
            print("batch " + json.dumps(batch.split("\r\n")[:-1]), flush=True)
            c.sendall(b"250 2.1.0 sender ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such user\r\n250 2.1.5 ok\r\n354 go ahead\r\n")
            data = b""
            while not data.endswith(b"\r\n.\r\n"):
                data += c.recv(65536)
            c.sendall(b"250 2.0.0 queued\r\n")
            print("quit " + c.recv(1000).decode().strip(), flush=True)
            c.sendall(b"221 2.0.0 bye\r\n")
            c.close()
            """;
        await using var peer = await RemotePeer.StartAsync(address, port, "/usr/bin/python3", ["-c", script], readyLine: "ready");
        await using var session = await SmtpClientSession.ConnectAsync(new SmtpTarget(address, port, "peer.test"), Options());

        var result = await SendAsync(session, Envelope("a@dest.test", "b@dest.test", "c@dest.test"), "Subject: p\r\n\r\nx\r\n"u8.ToArray());
        await session.QuitAsync();

        result.Recipients.Select(r => (r.Recipient.Address.Address, r.Kind, r.EnhancedCode)).ShouldBe(
        [
            ("a@dest.test", SmtpOutcomeKind.Delivered, "2.0.0"),
            ("b@dest.test", SmtpOutcomeKind.Failed, "5.1.1"),
            ("c@dest.test", SmtpOutcomeKind.Delivered, "2.0.0"),
        ]);
        await Eventually(() => peer.Output.Contains("quit QUIT", StringComparison.Ordinal));
        peer.Output.ShouldContain("batch [\"MAIL FROM:<sender@origin.test>\", \"RCPT TO:<a@dest.test>\", \"RCPT TO:<b@dest.test>\", \"RCPT TO:<c@dest.test>\", \"DATA\"]");
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        condition().ShouldBeTrue("the condition held within 20 s");
    }

    [Theory]
    [InlineData("endless-multiline")]
    [InlineData("endless-line")]
    [InlineData("silent")]
    public async Task MisbehavingPeer_EndsTheSessionWithATemporaryFailure_Bounded(string behaviour)
    {
        var (address, port) = RemotePeer.NextEndpoint();
        var script = $$"""
            import socket, sys, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("{{address}}", {{port}})); s.listen(5); print("ready", flush=True)
            while True:
                c, _ = s.accept()
                try:
                    if "{{behaviour}}" == "silent":
                        time.sleep(60); continue
                    c.sendall(b"220 peer.test ESMTP\r\n")
                    c.recv(1000)
                    chunk = b"250-" + b"x" * 60 + b"\r\n" if "{{behaviour}}" == "endless-multiline" else b"y" * 4096
                    if "{{behaviour}}" == "endless-line": c.sendall(b"250-peer.test ")
                    while True: c.sendall(chunk * 16)
                except OSError:
                    pass
                finally:
                    c.close()
            """;
        await using var peer = await RemotePeer.StartAsync(address, port, "/usr/bin/python3", ["-c", script], readyLine: "ready");
        var options = Options();
        options.GreetingTimeout = TimeSpan.FromSeconds(2);

        var failure = await Bounded(Should.ThrowAsync<SmtpClientException>(() => SmtpClientSession.ConnectAsync(new SmtpTarget(address, port, "peer.test"), options)));

        failure.Permanent.ShouldBeFalse();
        failure.Reply.Code.ShouldBeInRange(400, 499);
        failure.Reply.ToString().ShouldContain(behaviour switch
        {
            "endless-multiline" => "longer than 200 lines",
            "endless-line" => "longer than 4096",
            _ => "timed out",
        });
        failure.Stage.ShouldBe(behaviour == "silent" ? "greeting" : "ehlo");
    }

    [Fact]
    public async Task ConnectionRefused_IsATemporaryConnectFailure()
    {
        var (address, port) = RemotePeer.NextEndpoint();
        var failure = await Should.ThrowAsync<SmtpClientException>(() => SmtpClientSession.ConnectAsync(new SmtpTarget(address, port, "nobody.test"), Options()));
        failure.Stage.ShouldBe("connect");
        failure.Reply.Enhanced.ShouldBe("4.4.1");
    }

    [Fact]
    public async Task Sink_554Greeting_IsAPermanentSessionFailure()
    {
        await using var sink = await StartSinkAsync("-f", "CONNECT");
        var failure = await Should.ThrowAsync<SmtpClientException>(() => SmtpClientSession.ConnectAsync(new SmtpTarget(sink.Address, sink.Port, "sink.test"), Options()));
        failure.Stage.ShouldBe("greeting");
        failure.Reply.Code.ShouldBeInRange(500, 599);
        failure.Permanent.ShouldBeTrue();
        failure.Local.ShouldBeFalse();
    }

    private async Task<(string Cert, string Key)> SelfSignedAsync(string host)
    {
        var cert = Path.Combine(_scratch.Path, "cert.pem");
        var key = Path.Combine(_scratch.Path, "key.pem");
        var made = await ExternalProcess.RunAsync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", $"/CN={host}", "-addext", $"subjectAltName=DNS:{host}"]);
        made.ExitCode.ShouldBe(0, ExternalProcess.Describe(made));
        return (cert, key);
    }

    private static int FreePortOn(IPAddress address)
    {
        using var probe = new System.Net.Sockets.TcpListener(address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Waits (bounded) until <paramref name="read"/> returns at least <paramref name="count"/> items.</summary>
    private static async Task<T> WaitForAsync<T>(Func<T> read, int count)
        where T : System.Collections.ICollection
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var items = read();
            if (items.Count >= count || DateTime.UtcNow > deadline)
            {
                items.Count.ShouldBeGreaterThanOrEqualTo(count);
                return items;
            }

            await Task.Delay(50);
        }
    }
}
