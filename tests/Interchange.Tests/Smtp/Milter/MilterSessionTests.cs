using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Milter;
using Interchange.Testing.Milter;
using Interchange.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using Shouldly;

namespace Interchange.Tests.Smtp.Milter;

/// <summary>The client's side of the conversation, checked packet by packet against a milter the test plays.</summary>
public sealed class MilterSessionTests
{
    private const string Message =
        "Received: from client.example ([192.0.2.10])\r\n\tby mx.interchange.test (Interchange) with ESMTPS id S1.1; Tue, 01 Dec 2026 10:00:00 +0000\r\n"
        + "Received: from laptop by client.example; Tue, 01 Dec 2026 09:59:00 +0000\r\n"
        + "From: Alice <alice@example.org>\r\n"
        + "To: bob@interchange.test\r\n"
        + "Subject: Hello\r\n\tfolded\r\n"
        + "\r\n"
        + "Body line 1\r\n"
        + "Body line 2\r\n";

    private readonly CapturingLogger _logger = new();

    [Fact]
    public async Task SpeaksEveryStage_WithPostfixMacros_AndHidesOurReceivedField()
    {
        await using var milter = ScriptedMilter.Start();
        var connection = new TestFilterConnection { TlsProtocolName = "TLSv1.3", TlsCipherName = "TLS_AES_256_GCM_SHA384", User = "alice", Mechanism = "PLAIN" };
        await using var session = Open(milter, connection);

        var connect = session.ConnectAsync(default).AsTask();
        var offer = await milter.ExpectAsync('O');
        offer.ShouldBe([.. ScriptedMilter.UInt32(6), .. ScriptedMilter.UInt32(0x1FF), .. ScriptedMilter.UInt32(0x1FFFFF)]);
        await milter.NegotiateAsync();
        var (stage, macros) = ScriptedMilter.Macros(await milter.ExpectAsync('D'));
        stage.ShouldBe('C');
        macros["j"].ShouldBe("mx.interchange.test");
        macros["{daemon_name}"].ShouldBe("mx.interchange.test");
        macros["{daemon_addr}"].ShouldBe("198.51.100.1");
        macros["_"].ShouldBe("unknown [192.0.2.10]");
        macros["{client_addr}"].ShouldBe("192.0.2.10");
        macros["{client_port}"].ShouldBe("40123");
        macros["{client_name}"].ShouldBe("unknown");
        macros["v"].ShouldStartWith("Interchange ");
        var connectData = await milter.ExpectAsync('C');
        connectData.ShouldBe([.. ScriptedMilter.CString("[192.0.2.10]"), (byte)'4', 40123 >> 8, 40123 & 0xFF, .. ScriptedMilter.CString("192.0.2.10")]);
        await milter.SendAsync('c');
        (await connect).ShouldBe(SmtpFilterVerdict.Continue);

        connection.HeloName = "client.example";
        var helo = session.HeloAsync("client.example", default).AsTask();
        (stage, macros) = ScriptedMilter.Macros(await milter.ExpectAsync('D'));
        stage.ShouldBe('H');
        macros.ShouldBe(new Dictionary<string, string> { ["{tls_version}"] = "TLSv1.3", ["{cipher}"] = "TLS_AES_256_GCM_SHA384" });
        ScriptedMilter.Strings(await milter.ExpectAsync('H')).ShouldBe(["client.example"]);
        await milter.SendAsync('c');
        (await helo).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);

        connection.Transaction = "S1.1";
        var mail = session.MailAsync("alice@example.org", ["SIZE=100", "AUTH=alice+40example.org"], default).AsTask();
        (stage, macros) = ScriptedMilter.Macros(await milter.ExpectAsync('D'));
        stage.ShouldBe('M');
        macros.ShouldBe(new Dictionary<string, string>
        {
            ["i"] = "S1.1",
            ["{auth_type}"] = "PLAIN",
            ["{auth_authen}"] = "alice",
            ["{auth_author}"] = "alice@example.org",
            ["{mail_host}"] = "example.org",
            ["{mail_addr}"] = "alice@example.org",
        });
        ScriptedMilter.Strings(await milter.ExpectAsync('M')).ShouldBe(["<alice@example.org>", "SIZE=100", "AUTH=alice+40example.org"]);
        await milter.SendAsync('c');
        (await mail).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);

        var rcpt = session.RecipientAsync("bob@interchange.test", ["NOTIFY=NEVER"], default).AsTask();
        (stage, macros) = ScriptedMilter.Macros(await milter.ExpectAsync('D'));
        stage.ShouldBe('R');
        macros.ShouldBe(new Dictionary<string, string> { ["{rcpt_host}"] = "interchange.test", ["{rcpt_addr}"] = "bob@interchange.test" });
        ScriptedMilter.Strings(await milter.ExpectAsync('R')).ShouldBe(["<bob@interchange.test>", "NOTIFY=NEVER"]);
        await milter.SendAsync('c');
        (await rcpt).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);

        var message = await ReadMessageAsync(Message);
        var content = session.MessageAsync(message, default).AsTask();
        (stage, macros) = ScriptedMilter.Macros(await milter.ExpectAsync('D'));
        (stage, macros.Count, macros["i"]).ShouldBe(('T', 1, "S1.1"));
        (await milter.ExpectAsync('T')).ShouldBeEmpty();
        await milter.SendAsync('c');
        var headers = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            headers.Add(string.Join("|", ScriptedMilter.Strings(await milter.ExpectAsync('L'))));
            await milter.SendAsync('c');
        }

        // Our Received field is not shown; the client's is; the space after the colon goes; folds are bare LF.
        headers.ShouldBe(["Received|from laptop by client.example; Tue, 01 Dec 2026 09:59:00 +0000", "From|Alice <alice@example.org>", "To|bob@interchange.test", "Subject|Hello\n\tfolded"]);
        ScriptedMilter.Macros(await milter.ExpectAsync('D')).Stage.ShouldBe('N');
        await milter.ExpectAsync('N');
        await milter.SendAsync('c');
        Encoding.ASCII.GetString(await milter.ExpectAsync('B')).ShouldBe("Body line 1\r\nBody line 2\r\n");
        await milter.SendAsync('c');
        ScriptedMilter.Macros(await milter.ExpectAsync('D')).Stage.ShouldBe('E');
        (await milter.ExpectAsync('E')).ShouldBeEmpty();
        await milter.SendAsync('h', ScriptedMilter.CString("X-Milter"), ScriptedMilter.CString("seen"));
        await milter.SendAsync('c');
        (await content).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        message.Headers[^1].ToString().ShouldBe("X-Milter: seen");

        // The message is complete at the milter: a reset needs no SMFIC_ABORT; the end says SMFIC_QUIT.
        await session.ResetAsync(default);
        await session.DisposeAsync();
        (await milter.ReadUntilClosedAsync()).ShouldBe(['Q']);
        _logger.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public async Task HonoursTheStepsAndRepliesTheMilterDoesWithout()
    {
        await using var milter = ScriptedMilter.Start();
        var connection = new TestFilterConnection { TlsProtocolName = "TLSv1.3", TlsCipherName = "TLS_AES_128_GCM_SHA256", Transaction = "S1.1" };
        await using var session = Open(milter, connection);

        const uint NoHelo = 0x2, NoRecipientReply = 0x8000, NoHeaderReply = 0x80, NoEndOfHeader = 0x40, NoData = 0x200, NoBodyReply = 0x80000;
        await ConnectAsync(session, milter, protocol: NoHelo | NoRecipientReply | NoHeaderReply | NoEndOfHeader | NoData | NoBodyReply);

        // Not sent, not waited for: the verdicts come without the milter saying a word.
        (await session.HeloAsync("client.example", default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        var mail = session.MailAsync("alice@example.org", [], default).AsTask();
        ScriptedMilter.Macros(await milter.ExpectAsync('D')).Stage.ShouldBe('H'); // the skipped stage's macros still go
        ScriptedMilter.Macros(await milter.ExpectAsync('D')).Stage.ShouldBe('M');
        await milter.ExpectAsync('M');
        await milter.SendAsync('c');
        await mail;
        (await session.RecipientAsync("bob@interchange.test", [], default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        ScriptedMilter.Macros(await milter.ExpectAsync('D')).Stage.ShouldBe('R');
        await milter.ExpectAsync('R');

        var content = session.MessageAsync(await ReadMessageAsync(Message), default).AsTask();
        var seen = new List<char>();
        while (true)
        {
            var (command, data) = await milter.ReceiveAsync();
            seen.Add(command == 'D' ? char.ToLowerInvariant((char)data[0]) : command);
            if (command == 'E')
            {
                break;
            }
        }

        // Lower case: the stage of an SMFIC_MACRO. No T, no N, no reply to L or B awaited.
        new string([.. seen]).ShouldBe("tLLLLnBeE");
        await milter.SendAsync('a');
        (await content).Kind.ShouldBe(SmtpFilterVerdictKind.Accept);
    }

    [Fact]
    public async Task SendsTheMacrosTheMilterAskedFor()
    {
        await using var milter = ScriptedMilter.Start();
        var connection = new TestFilterConnection { Transaction = "S9.2", User = "alice" };
        await using var session = Open(milter, connection);
        await ConnectAsync(session, milter, macroLists: [(0, "j"), (2, "{auth_authen} {mail_addr} {no_such_macro}")], expectedConnectMacros: new() { ["j"] = "mx.interchange.test" });

        var mail = session.MailAsync("alice@example.org", [], default).AsTask();
        ScriptedMilter.Macros(await milter.ExpectAsync('D')).Macros.ShouldBe(new Dictionary<string, string> { ["{auth_authen}"] = "alice", ["{mail_addr}"] = "alice@example.org" });
        await milter.ExpectAsync('M');
        await milter.SendAsync('c');
        await mail;
    }

    [Fact]
    public async Task AppliesEveryChange_WhenTheFinalWordLetsTheMessageThrough()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        await ConnectAsync(session, milter, protocol: 0x10 | 0x20); // no body, no headers: straight to the end
        var message = await ReadMessageAsync(Message, "alice@example.org", "bob@interchange.test", "dave@interchange.test");

        var content = session.MessageAsync(message, default).AsTask();
        await ExpectEndOfMessageAsync(milter);
        await milter.SendAsync('p');
        await milter.SendAsync('h', ScriptedMilter.CString("X-Added"), ScriptedMilter.CString("a;\n\tb"));
        await milter.SendAsync('i', ScriptedMilter.UInt32(0), ScriptedMilter.CString("X-Top"), ScriptedMilter.CString("first"));
        await milter.SendAsync('m', ScriptedMilter.UInt32(1), ScriptedMilter.CString("Received"), ScriptedMilter.CString("from elsewhere"));
        await milter.SendAsync('m', ScriptedMilter.UInt32(0), ScriptedMilter.CString("To"), ScriptedMilter.CString("carol@example.test"));
        await milter.SendAsync('m', ScriptedMilter.UInt32(1), ScriptedMilter.CString("Subject"), ScriptedMilter.CString(string.Empty));
        await milter.SendAsync('m', ScriptedMilter.UInt32(2), ScriptedMilter.CString("From"), ScriptedMilter.CString("added <x@example.test>"));
        await milter.SendAsync('b', Encoding.ASCII.GetBytes("New "));
        await milter.SendAsync('b', Encoding.ASCII.GetBytes("body\nline 2"));
        await milter.SendAsync('e', ScriptedMilter.CString("<bounce@example.org>"));
        await milter.SendAsync('+', ScriptedMilter.CString("<carol@example.test>"));
        await milter.SendAsync('2', ScriptedMilter.CString("<erin@example.test>"), ScriptedMilter.CString("NOTIFY=NEVER"));
        await milter.SendAsync('-', ScriptedMilter.CString("<bob@interchange.test>"));
        await milter.SendAsync('q', ScriptedMilter.CString("looks odd"));
        await milter.SendAsync('c');
        (await content).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);

        using var reader = new StreamReader(message.OpenRead(), Encoding.UTF8);
        (await reader.ReadToEndAsync()).ShouldBe(
            "X-Top: first\r\n"
            + "Received: from client.example ([192.0.2.10])\r\n\tby mx.interchange.test (Interchange) with ESMTPS id S1.1; Tue, 01 Dec 2026 10:00:00 +0000\r\n"
            + "Received: from elsewhere\r\n" // the first Received the milter saw was the client's
            + "From: Alice <alice@example.org>\r\n"
            + "To: carol@example.test\r\n"
            + "X-Added: a;\r\n\tb\r\n"
            + "From: added <x@example.test>\r\n" // no second From: a change of a missing one adds it
            + "\r\n"
            + "New body\r\nline 2\r\n");
        message.Sender.ShouldBe("bounce@example.org");
        message.Recipients.ShouldBe(["dave@interchange.test", "carol@example.test", "erin@example.test"]);
        message.HoldReason.ShouldBe("milter test: looks odd");
    }

    [Fact]
    public async Task DropsEveryChange_WhenTheMilterRejectsInTheEnd()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        await ConnectAsync(session, milter, protocol: 0x10 | 0x20);
        var message = await ReadMessageAsync(Message);

        var content = session.MessageAsync(message, default).AsTask();
        await ExpectEndOfMessageAsync(milter);
        await milter.SendAsync('h', ScriptedMilter.CString("X-Added"), ScriptedMilter.CString("a"));
        await milter.SendAsync('b', Encoding.ASCII.GetBytes("replaced\r\n"));
        await milter.SendAsync('q', ScriptedMilter.CString("held"));
        await milter.SendAsync('r');
        var verdict = await content;
        verdict.Kind.ShouldBe(SmtpFilterVerdictKind.Reject);
        verdict.Reply!.ToString().ShouldBe("550 5.7.1 Command rejected");
        message.ContentChanged.ShouldBeFalse();
        message.HoldReason.ShouldBeNull();
    }

    [Fact]
    public async Task RefusesOneRecipient_WithTheMilterReply_AndGoesOn()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        await ConnectAsync(session, milter, protocol: 0x2);
        var mail = session.MailAsync("alice@example.org", [], default).AsTask();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('M');
        await milter.SendAsync('c');
        await mail;

        var first = session.RecipientAsync("nobody@interchange.test", [], default).AsTask();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('R');
        await milter.SendAsync('y', ScriptedMilter.CString("550-5.1.1 No such user\r\n550 5.1.1 Really not"));
        var refused = await first;
        refused.Kind.ShouldBe(SmtpFilterVerdictKind.Reject);
        refused.Reply!.ToString().ShouldBe("550-5.1.1 No such user\r\n550 5.1.1 Really not");

        var second = session.RecipientAsync("bob@interchange.test", [], default).AsTask();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('R');
        await milter.SendAsync('t');
        (await second).Reply!.ToString().ShouldBe("451 4.7.1 Service unavailable - try again later");
    }

    [Fact]
    public async Task AConnectionRefusal_AnswersEveryLaterStage_AndTheMilterIsLeft()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        var connect = session.ConnectAsync(default).AsTask();
        await milter.ExpectAsync('O');
        await milter.NegotiateAsync();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('C');
        await milter.SendAsync('y', ScriptedMilter.CString("554 5.7.1 You are listed"));
        (await connect).Reply!.ToString().ShouldBe("554 5.7.1 You are listed");
        (await milter.ReadUntilClosedAsync()).ShouldBe(['Q']);

        (await session.HeloAsync("x", default)).Reply!.ToString().ShouldBe("554 5.7.1 You are listed");
        (await session.MailAsync("a@example.org", [], default)).Reply!.ToString().ShouldBe("554 5.7.1 You are listed");
        (await session.MessageAsync(await ReadMessageAsync(Message), default)).Reply!.ToString().ShouldBe("554 5.7.1 You are listed");
    }

    [Fact]
    public async Task AnAcceptedConnection_IsNotFilteredAnyMore()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        var connect = session.ConnectAsync(default).AsTask();
        await milter.ExpectAsync('O');
        await milter.NegotiateAsync();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('C');
        await milter.SendAsync('a');
        (await connect).Kind.ShouldBe(SmtpFilterVerdictKind.Accept);
        (await milter.ReadUntilClosedAsync()).ShouldBe(['Q']);
        (await session.MailAsync("a@example.org", [], default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        (await session.MessageAsync(await ReadMessageAsync(Message), default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
    }

    [Fact]
    public async Task AnAcceptedTransaction_HearsNothingMore_ButTheAbort()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        await ConnectAsync(session, milter);

        // Before any MAIL a reset has nothing to abort.
        await session.ResetAsync(default);
        var mail = session.MailAsync("alice@example.org", [], default).AsTask();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('M');
        await milter.SendAsync('a');
        (await mail).Kind.ShouldBe(SmtpFilterVerdictKind.Accept);
        (await session.RecipientAsync("bob@interchange.test", [], default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        (await session.MessageAsync(await ReadMessageAsync(Message), default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        await session.ResetAsync(default);
        await session.DisposeAsync();
        (await milter.ReadUntilClosedAsync()).ShouldBe(['A', 'Q']);
    }

    [Fact]
    public async Task SendsTheBodyInChunksOfAtMost65535_AndStopsWhenTheMilterSkips()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        await ConnectAsync(session, milter, protocol: 0x20 | 0x40 | 0x200 | 0x400); // no headers, no EOH, no DATA; SKIP
        var body = string.Concat(Enumerable.Range(0, 4000).Select(i => $"line {i:D5} of the body, padded to fifty bytes...\r\n"));
        var message = await ReadMessageAsync("Subject: big\r\n\r\n" + body);

        var content = session.MessageAsync(message, default).AsTask();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('D');
        var sizes = new List<int>();
        var received = new StringBuilder();
        for (var i = 0; i < 2; i++)
        {
            var chunk = await milter.ExpectAsync('B');
            sizes.Add(chunk.Length);
            received.Append(Encoding.ASCII.GetString(chunk));
            await milter.SendAsync(i == 0 ? 'c' : 's');
        }

        sizes.ShouldBe([65535, 65535]);
        body.ShouldStartWith(received.ToString());
        await ExpectEndOfMessageAsync(milter, dataAndEohMacros: false);
        await milter.SendAsync('c');
        (await content).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
    }

    [Fact]
    public async Task SendsTheWholeBody_InChunksThatAddUp()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        await ConnectAsync(session, milter, protocol: 0x20 | 0x40 | 0x200);
        var body = new string('x', 200_000 - 2) + "\r\n";
        var content = session.MessageAsync(await ReadMessageAsync("Subject: big\r\n\r\n" + body), default).AsTask();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('D');
        var sizes = new List<int>();
        while (true)
        {
            var (command, data) = await milter.ReceiveAsync();
            if (command == 'D')
            {
                break;
            }

            command.ShouldBe('B');
            sizes.Add(data.Length);
            await milter.SendAsync('c');
        }

        sizes.ShouldBe([65535, 65535, 65535, 3395]);
        await milter.ExpectAsync('E');
        await milter.SendAsync('c');
        (await content).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
    }

    [Fact]
    public async Task HeaderLeadingSpace_SendsAndTakesValuesAsStored()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        await ConnectAsync(session, milter, protocol: 0x100000 | 0x200 | 0x40 | 0x10);
        var message = await ReadMessageAsync("Subject:  two spaces\r\n\r\nx\r\n");
        var content = session.MessageAsync(message, default).AsTask();
        await milter.ExpectAsync('D');
        ScriptedMilter.Strings(await milter.ExpectAsync('L')).ShouldBe(["Subject", "  two spaces"]);
        await milter.SendAsync('c');
        await ExpectEndOfMessageAsync(milter, dataAndEohMacros: false);
        await milter.SendAsync('h', ScriptedMilter.CString("X-Tight"), ScriptedMilter.CString("value"));
        await milter.SendAsync('c');
        await content;
        Encoding.ASCII.GetString(message.HeaderBytes()).ShouldBe("Subject:  two spaces\r\nX-Tight:value\r\n\r\n");
    }

    [Fact]
    public async Task AMilterThatDoesNotAnswer_IsTimedOut_AndItsDefaultActionStands()
    {
        var timers = new ManualTimers();
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection(), o => o.DefaultAction = MilterDefaultAction.TempFail, timers);
        await ConnectAsync(session, milter);

        var helo = session.HeloAsync("client.example", default).AsTask();
        await milter.ExpectAsync('H');
        timers.Advance(TimeSpan.FromSeconds(29));
        helo.IsCompleted.ShouldBeFalse();
        timers.Advance(TimeSpan.FromSeconds(2));
        var verdict = await helo.WaitAsync(TimeSpan.FromSeconds(10));
        verdict.Reply!.ToString().ShouldBe("451 4.7.1 Service unavailable - try again later");

        // The rest of the session: the default action, without a word to the milter, logged once.
        (await session.MailAsync("a@example.org", [], default)).Reply!.Code.ShouldBe(451);
        (await session.MessageAsync(await ReadMessageAsync(Message), default)).Reply!.Code.ShouldBe(451);
        (await milter.ReadUntilClosedAsync()).ShouldBeEmpty();
        _logger.Warnings.Count.ShouldBe(1);
        _logger.Warnings[0].ShouldContain("test");
        _logger.Warnings[0].ShouldContain("no answer within 30 s");
    }

    [Fact]
    public async Task Progress_StartsTheDeadlineAgain()
    {
        var timers = new ManualTimers();
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection(), o => o.EndOfMessageTimeout = TimeSpan.FromSeconds(30), timers);
        await ConnectAsync(session, milter, protocol: 0x10 | 0x20);
        var content = session.MessageAsync(await ReadMessageAsync(Message), default).AsTask();
        await ExpectEndOfMessageAsync(milter);

        for (var i = 0; i < 3; i++)
        {
            timers.Advance(TimeSpan.FromSeconds(25));
            var changes = timers.Changes;
            await milter.SendAsync('p');
            await Eventually.TrueAsync(() => timers.Changes > changes, "the deadline is set again after SMFIR_PROGRESS");
        }

        // 75 s after the end of the message, 25 s after the last progress: still waiting, and the answer counts.
        timers.Advance(TimeSpan.FromSeconds(25));
        await milter.SendAsync('c');
        (await content.WaitAsync(TimeSpan.FromSeconds(10))).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        _logger.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public async Task AProtocolError_GivesTheDefaultAction_AndClosesTheConnection()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection(), o => o.DefaultAction = MilterDefaultAction.Reject);
        await ConnectAsync(session, milter);
        var helo = session.HeloAsync("client.example", default).AsTask();
        await milter.ExpectAsync('H');
        await milter.SendAsync('Z', [1, 2, 3]);
        (await helo).Reply!.ToString().ShouldBe("550 5.7.1 Service unavailable");
        (await milter.ReadUntilClosedAsync()).ShouldBeEmpty();
        _logger.Warnings.Single().ShouldContain("protocol");
    }

    [Fact]
    public async Task AnOversizedPacket_IsRefusedWithoutWaitingForIt()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection(), o => o.DefaultAction = MilterDefaultAction.Accept);
        var connect = session.ConnectAsync(default).AsTask();
        await milter.ExpectAsync('O');
        await milter.SendRawAsync([.. ScriptedMilter.UInt32(16 * 1024 * 1024), (byte)'O']);
        (await connect.WaitAsync(TimeSpan.FromSeconds(10))).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        _logger.Warnings.Single().ShouldContain("larger than allowed");
    }

    [Fact]
    public async Task ABodyReplacementBeyondTheMessageSizeLimit_IsAFailure()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection(), o => o.DefaultAction = MilterDefaultAction.TempFail, maxMessageSize: 2048);
        await ConnectAsync(session, milter, protocol: 0x10 | 0x20);
        var message = await ReadMessageAsync(Message);
        var content = session.MessageAsync(message, default).AsTask();
        await ExpectEndOfMessageAsync(milter);
        await milter.SendAsync('b', new byte[1500]);
        await milter.SendAsync('b', new byte[1000]);
        (await content).Reply!.Code.ShouldBe(451);
        message.ContentChanged.ShouldBeFalse();
    }

    [Fact]
    public async Task AMilterThatIsDown_GivesTheDefaultAction_LoggedOnce()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port; // bound, never listening: connections are refused
            var filter = MilterFilter.Create(new MilterOptions { Name = "down", Socket = $"127.0.0.1:{port}", DefaultAction = MilterDefaultAction.Accept }, 1 << 20, _logger);
            await using var session = filter.Open(new TestFilterConnection())!;
            (await session.ConnectAsync(default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
            (await session.HeloAsync("x", default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
            (await session.MessageAsync(await ReadMessageAsync(Message), default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        }

        _logger.Warnings.Single().ShouldContain("cannot connect");
    }

    [Fact]
    public async Task Shutdown_Answers421_ForTheRestOfTheConnection()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        await ConnectAsync(session, milter);
        var mail = session.MailAsync("a@example.org", [], default).AsTask();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('M');
        await milter.SendAsync('4');
        (await mail).Reply!.Code.ShouldBe(421);
        (await session.RecipientAsync("b@example.org", [], default)).Reply!.Code.ShouldBe(421);
    }

    [Fact]
    public async Task TheSessionsCancellation_IsTheOnlyExceptionThatLeaves()
    {
        await using var milter = ScriptedMilter.Start();
        await using var session = Open(milter, new TestFilterConnection());
        await ConnectAsync(session, milter);
        using var cancel = new CancellationTokenSource();
        var helo = session.HeloAsync("x", cancel.Token).AsTask();
        await milter.ExpectAsync('H');
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(helo);
        (await session.MailAsync("a@example.org", [], default)).Reply!.Code.ShouldBe(451);
        _logger.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void OpensOnlyForItsListeners()
    {
        var filter = MilterFilter.Create(new MilterOptions { Name = "smtp-only", Socket = "127.0.0.1:1", Listeners = ["smtp"] }, 1 << 20, _logger);
        filter.Open(new TestFilterConnection().WithListener("submission")).ShouldBeNull();
        filter.Open(new TestFilterConnection().WithListener("smtp")).ShouldNotBeNull();
        filter.Name.ShouldBe("milter smtp-only");
    }

    [Fact]
    public async Task CountsVerdictsAndFailures_PerMilter()
    {
        var counted = new ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MilterMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            if (Equals(copy.GetValueOrDefault("milter"), "counted"))
            {
                counted.Enqueue((instrument.Name, value, copy));
            }
        });
        listener.Start();

        await using var milter = ScriptedMilter.Start();
        var filter = MilterFilter.Create(new MilterOptions { Name = "counted", Socket = milter.Socket }, 1 << 20, _logger);
        await using var session = filter.Open(new TestFilterConnection())!;
        await ConnectAsync(session, milter);
        var mail = session.MailAsync("a@example.org", [], default).AsTask();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('M');
        await milter.SendAsync('r');
        await mail;
        var rcpt = session.RecipientAsync("b@example.org", [], default).AsTask();
        await milter.ExpectAsync('D');
        await milter.ExpectAsync('R');
        await milter.SendAsync('X');
        await rcpt;

        var verdicts = counted.Where(c => c.Instrument == "interchange.milter.verdicts").Select(c => $"{c.Tags["stage"]}:{c.Tags["verdict"]}").ToList();
        verdicts.ShouldBe(["connect:continue", "mail:reject", "rcpt:tempfail"]);
        var failure = counted.Single(c => c.Instrument == "interchange.milter.failures");
        failure.Tags["reason"].ShouldBe("protocol");
    }

    private ISmtpFilterSession Open(ScriptedMilter milter, TestFilterConnection connection, Action<MilterOptions>? configure = null, TimeProvider? time = null, long maxMessageSize = 1 << 20)
    {
        connection.Transaction ??= "S1.1"; // the i macro: the DATA, EOH and EOM stages have one to send
        var options = new MilterOptions { Name = "test", Socket = milter.Socket };
        configure?.Invoke(options);
        return MilterFilter.Create(options, maxMessageSize, _logger, time).Open(connection)!;
    }

    /// <summary>Negotiates and passes the connect stage (the default connect macros, then SMFIC_CONNECT unless NOCONNECT).</summary>
    private static async Task ConnectAsync(ISmtpFilterSession session, ScriptedMilter milter, uint protocol = 0, (uint Stage, string Names)[]? macroLists = null, Dictionary<string, string>? expectedConnectMacros = null)
    {
        var connect = session.ConnectAsync(default).AsTask();
        await milter.ExpectAsync('O');
        await milter.NegotiateAsync(0x1FF, protocol, macroLists ?? []);
        var (stage, macros) = ScriptedMilter.Macros(await milter.ExpectAsync('D'));
        stage.ShouldBe('C');
        if (expectedConnectMacros is not null)
        {
            macros.ShouldBe(expectedConnectMacros);
        }

        await milter.ExpectAsync('C');
        await milter.SendAsync('c');
        (await connect).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
    }

    /// <summary>With no headers and no body negotiated: the DATA, EOH and EOM macros, SMFIC_DATA, SMFIC_EOH, SMFIC_BODYEOB.</summary>
    private static async Task ExpectEndOfMessageAsync(ScriptedMilter milter, bool dataAndEohMacros = true)
    {
        var seen = new StringBuilder();
        while (true)
        {
            var (command, data) = await milter.ReceiveAsync();
            seen.Append(command == 'D' ? char.ToLowerInvariant((char)data[0]) : command);
            if (command is 'T' or 'N')
            {
                await milter.SendAsync('c');
            }

            if (command == 'E')
            {
                break;
            }
        }

        if (dataAndEohMacros)
        {
            seen.ToString().ShouldEndWith("nNeE");
        }
        else
        {
            seen.ToString().ShouldEndWith("eE");
        }
    }

    private static Task<SmtpFilterMessage> ReadMessageAsync(string content, string sender = "alice@example.org", params string[] recipients)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        return SmtpFilterMessage.ReadAsync(() => new MemoryStream(bytes, writable: false), sender, recipients.Length == 0 ? ["bob@interchange.test"] : recipients, default);
    }

    private sealed class CapturingLogger : ILogger
    {
        private readonly ConcurrentQueue<string> _warnings = new();

        public IReadOnlyList<string> Warnings => [.. _warnings];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning)
            {
                _warnings.Enqueue(formatter(state, exception));
            }
        }
    }
}
