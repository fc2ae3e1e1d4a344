using System.Buffers;
using System.Text;
using Interchange.Smtp.Milter.Protocol;
using Shouldly;

namespace Interchange.Tests.Smtp.Milter;

public sealed class MilterCodecTests
{
    private static byte[] Packet(char command, string data) =>
        [.. ScriptedMilter.UInt32((uint)(1 + Encoding.Latin1.GetByteCount(data))), (byte)command, .. Encoding.Latin1.GetBytes(data)];

    [Fact]
    public void Reader_TakesEachPacket_WhereverTheBytesAreSplit()
    {
        byte[] wire = [.. Packet('c', string.Empty), .. Packet('h', "X-Test\0value\0"), .. Packet('y', "550 5.7.1 no\0")];
        for (var split = 0; split <= wire.Length; split++)
        {
            var packets = new List<MilterPacket>();
            var pending = Array.Empty<byte>();
            foreach (var piece in new[] { wire[..split], wire[split..] })
            {
                pending = [.. pending, .. piece];
                var buffer = new ReadOnlySequence<byte>(pending);
                while (MilterPacketReader.TryRead(ref buffer, 1024, 1024, out var packet) == MilterPacketStatus.Complete)
                {
                    packets.Add(packet);
                }

                pending = buffer.ToArray();
            }

            packets.Select(p => (char)p.Command).ShouldBe(['c', 'h', 'y'], $"split at {split}");
            Encoding.Latin1.GetString(packets[1].Data.Span).ShouldBe("X-Test\0value\0");
            pending.ShouldBeEmpty();
        }
    }

    [Fact]
    public void Reader_RefusesAnOversizedPacket_BeforeItsDataArrives()
    {
        // Only the length and command: 2 MiB announced, none of it sent.
        var buffer = new ReadOnlySequence<byte>([.. ScriptedMilter.UInt32(2 * 1024 * 1024 + 1), (byte)'h']);
        MilterPacketReader.TryRead(ref buffer, 1024 * 1024, 1024 * 1024, out _).ShouldBe(MilterPacketStatus.TooLarge);

        // Even before the command byte, when no command may be that large.
        var lengthOnly = new ReadOnlySequence<byte>(ScriptedMilter.UInt32(uint.MaxValue));
        MilterPacketReader.TryRead(ref lengthOnly, 1024 * 1024, 1024 * 1024, out _).ShouldBe(MilterPacketStatus.TooLarge);
    }

    [Fact]
    public void Reader_AllowsABodyPieceItsOwnLimit_AndOthersTheirs()
    {
        var body = new ReadOnlySequence<byte>(Packet('b', new string('x', 5000)));
        MilterPacketReader.TryRead(ref body, 1000, 10_000, out var piece).ShouldBe(MilterPacketStatus.Complete);
        piece.Data.Length.ShouldBe(5000);

        var header = new ReadOnlySequence<byte>(Packet('h', new string('x', 5000)));
        MilterPacketReader.TryRead(ref header, 1000, 10_000, out _).ShouldBe(MilterPacketStatus.TooLarge);
    }

    [Fact]
    public void Reader_RefusesALengthOfZero()
    {
        var buffer = new ReadOnlySequence<byte>(ScriptedMilter.UInt32(0));
        MilterPacketReader.TryRead(ref buffer, 1024, 1024, out _).ShouldBe(MilterPacketStatus.Empty);
    }

    [Fact]
    public void Writer_FramesPackets_AndLeavesNulsOutOfStrings()
    {
        var writer = new MilterPacketWriter();
        writer.Begin(MilterCommand.Helo).WriteString("evil\0name").End();
        writer.Write(MilterCommand.Data);
        writer.Begin(MilterCommand.Connect).WriteString("[192.0.2.1]").WriteByte((byte)'4').WriteUInt16(25).WriteString("192.0.2.1").End();

        var bytes = writer.Written.ToArray();
        var buffer = new ReadOnlySequence<byte>(bytes);
        MilterPacketReader.TryRead(ref buffer, 1024, 1024, out var helo).ShouldBe(MilterPacketStatus.Complete);
        ((char)helo.Command).ShouldBe('H');
        Encoding.Latin1.GetString(helo.Data.Span).ShouldBe("evilname\0");
        MilterPacketReader.TryRead(ref buffer, 1024, 1024, out var data).ShouldBe(MilterPacketStatus.Complete);
        ((char)data.Command).ShouldBe('T');
        data.Data.Length.ShouldBe(0);
        MilterPacketReader.TryRead(ref buffer, 1024, 1024, out var connect).ShouldBe(MilterPacketStatus.Complete);
        connect.Data.ToArray().ShouldBe([.. Encoding.Latin1.GetBytes("[192.0.2.1]\0" + "4"), 0, 25, .. Encoding.Latin1.GetBytes("192.0.2.1\0")]);
        buffer.Length.ShouldBe(0);
    }

    [Fact]
    public void Negotiation_ReadsVersionActionsFlagsAndMacroLists()
    {
        byte[] data = [.. ScriptedMilter.UInt32(6), .. ScriptedMilter.UInt32(0x1 | 0x10), .. ScriptedMilter.UInt32(0x2 | 0x80 | 0x100000 | 0x40000000),
            .. ScriptedMilter.UInt32(2), .. ScriptedMilter.CString("{auth_authen} i"), .. ScriptedMilter.UInt32(9), .. ScriptedMilter.CString("{ignored}")];
        var negotiation = MilterNegotiation.Parse(new MilterPacket((byte)'O', data));
        negotiation.Version.ShouldBe(6u);
        negotiation.Actions.ShouldBe(MilterActions.AddHeaders | MilterActions.ChangeHeaders);
        negotiation.Protocol.ShouldBe(MilterProtocolFlags.NoHelo | MilterProtocolFlags.NoHeaderReply | MilterProtocolFlags.HeaderLeadingSpace); // a flag never offered is dropped
        negotiation.MacroLists[MilterMacroStage.Mail].ShouldBe(["{auth_authen}", "i"]);
        negotiation.MacroLists.Count.ShouldBe(1);
    }

    [Theory]
    [InlineData(7u, 0x1u)]      // a newer protocol than ours
    [InlineData(1u, 0x1u)]      // too old to know SMFIC_OPTNEG's reply
    [InlineData(6u, 0x200u)]    // an action nobody offered
    public void Negotiation_RefusesWhatCannotWork(uint version, uint actions)
    {
        byte[] data = [.. ScriptedMilter.UInt32(version), .. ScriptedMilter.UInt32(actions), .. ScriptedMilter.UInt32(0)];
        Should.Throw<MilterProtocolException>(() => MilterNegotiation.Parse(new MilterPacket((byte)'O', data)));
    }

    [Fact]
    public void Negotiation_RefusesATruncatedReply()
    {
        byte[] data = [.. ScriptedMilter.UInt32(6), .. ScriptedMilter.UInt32(0)];
        Should.Throw<MilterProtocolException>(() => MilterNegotiation.Parse(new MilterPacket((byte)'O', data)));
        Should.Throw<MilterProtocolException>(() => MilterNegotiation.Parse(new MilterPacket((byte)'c', Array.Empty<byte>())));
    }

    [Theory]
    [InlineData("550 5.7.1 Go away\0", 550, "5.7.1", "Go away")]
    [InlineData("451 4.3.0 Try later", 451, "4.3.0", "Try later")]                // no NUL: tolerated
    [InlineData("554 No enhanced code\0", 554, "5.7.1", "No enhanced code")]
    [InlineData("550 4.7.1 Class mismatch\0", 550, "5.7.1", "Class mismatch")]     // 4.x.x with 5xx is dropped
    [InlineData("550 5.7.1 100%% spam, 5% sure\0", 550, "5.7.1", "100% spam, 5 sure")]
    [InlineData("550-5.7.1 first\r\n550 5.7.1 second\0", 550, "5.7.1", "first|second")]
    [InlineData("421 4.7.0\0", 421, "4.7.0", "Service unavailable - try again later")]
    [InlineData("550 5.7.1 bell\a here\0", 550, "5.7.1", "bell here")]
    public void ReplyCode_IsParsed(string text, int code, string enhanced, string lines)
    {
        var reply = MilterReplyText.Parse(Encoding.UTF8.GetBytes(text));
        reply.Code.ShouldBe(code);
        reply.Enhanced.ShouldBe(enhanced);
        string.Join("|", reply.Lines).ShouldBe(lines);
    }

    [Theory]
    [InlineData("250 2.0.0 ok\0")]                               // not a refusal
    [InlineData("55 short\0")]
    [InlineData("550x5.7.1 no separator\0")]
    [InlineData("550-5.7.1 first\r\n450 4.7.1 second\0")]        // codes differ between lines
    [InlineData("\0")]
    public void ReplyCode_RefusesMalformedReplies(string text) =>
        Should.Throw<MilterProtocolException>(() => MilterReplyText.Parse(Encoding.UTF8.GetBytes(text)));

    [Theory]
    [InlineData(" plain", false, "plain")]                                   // the one space after the colon goes
    [InlineData("  two spaces", false, " two spaces")]
    [InlineData("\ttab", false, "\ttab")]                                    // a tab stays (Sendmail eats a space only)
    [InlineData(" plain", true, " plain")]                                   // SMFIP_HDR_LEADSPC: as stored
    [InlineData(" folded\r\n\tsecond\r\n third", false, "folded\n\tsecond\n third")]
    public void HeaderValue_ToMilter(string stored, bool leadingSpace, string sent) =>
        Encoding.UTF8.GetString(MilterHeaderValue.ToMilter(Encoding.UTF8.GetBytes(stored), leadingSpace)).ShouldBe(sent);

    [Theory]
    [InlineData("value", false, " value")]
    [InlineData(" value", true, " value")]
    [InlineData("value", true, "value")]
    [InlineData("a=1;\n\tb=2", false, " a=1;\r\n\tb=2")]                      // OpenDKIM folds with bare LF
    [InlineData("a\r\n b", false, " a\r\n b")]
    [InlineData("a\nInjected: yes", false, " a\r\n Injected: yes")]          // cannot start a field of its own
    [InlineData("a\n\nbody", false, " a\r\n body")]                           // nor end the header section
    [InlineData("a\n \t\nb", false, " a\r\n b")]                              // a white-space-only line is dropped
    [InlineData("a\rb", false, " a\r\n b")]
    [InlineData("trailing\n", false, " trailing")]
    public void HeaderValue_FromMilter_CanOnlyFold(string sent, bool leadingSpace, string stored) =>
        Encoding.UTF8.GetString(MilterHeaderValue.FromMilter(Encoding.UTF8.GetBytes(sent), leadingSpace)).ShouldBe(stored);

    [Theory]
    [InlineData("body", "body\r\n")]
    [InlineData("a\nb\n", "a\r\nb\r\n")]
    [InlineData("a\r\nb\r\n", "a\r\nb\r\n")]
    [InlineData("a\rb", "a\rb\r\n")]
    [InlineData("", "")]
    public void ReplacementBody_EndsEveryLineWithCrLf(string sent, string stored) =>
        Encoding.Latin1.GetString(MilterBody.Normalize(Encoding.Latin1.GetBytes(sent))).ShouldBe(stored);

    [Fact]
    public void Edits_AreDecoded()
    {
        static MilterEdit Edit(char command, params byte[][] parts) => MilterEdit.TryParse(new MilterPacket((byte)command, parts.SelectMany(p => p).ToArray()))!;

        Edit('h', ScriptedMilter.CString("X-A"), ScriptedMilter.CString("v")).ShouldBe(new MilterEdit(MilterEditKind.AddHeader, "X-A", Value: "v"u8.ToArray()), new EditComparer());
        var insert = Edit('i', ScriptedMilter.UInt32(3), ScriptedMilter.CString("X-I"), ScriptedMilter.CString("w"));
        (insert.Kind, insert.Index, insert.Name).ShouldBe((MilterEditKind.InsertHeader, 3, "X-I"));
        var change = Edit('m', ScriptedMilter.UInt32(0), ScriptedMilter.CString("Subject"), ScriptedMilter.CString(string.Empty));
        (change.Kind, change.Index, change.Value!.Length).ShouldBe((MilterEditKind.ChangeHeader, 1, 0)); // index 0 reads as 1
        Edit('e', ScriptedMilter.CString("<new@example.test>"), ScriptedMilter.CString("SIZE=10")).Text.ShouldBe("new@example.test");
        Edit('e', ScriptedMilter.CString("<>")).Text.ShouldBe(string.Empty);
        Edit('+', ScriptedMilter.CString("<add@example.test>")).Text.ShouldBe("add@example.test");
        Edit('2', ScriptedMilter.CString("par@example.test"), ScriptedMilter.CString("NOTIFY=NEVER")).Text.ShouldBe("par@example.test");
        Edit('-', ScriptedMilter.CString("<gone@example.test>")).Text.ShouldBe("gone@example.test");
        Edit('q', ScriptedMilter.CString("spam")).Text.ShouldBe("spam");
        MilterEdit.TryParse(new MilterPacket((byte)'c', Array.Empty<byte>())).ShouldBeNull();
    }

    [Fact]
    public void Edits_RefuseWhatWouldCorruptTheMessage()
    {
        Should.Throw<MilterProtocolException>(() => MilterEdit.TryParse(new MilterPacket((byte)'h', (byte[])[.. ScriptedMilter.CString("Bad Name"), .. ScriptedMilter.CString("v")])));
        Should.Throw<MilterProtocolException>(() => MilterEdit.TryParse(new MilterPacket((byte)'h', (byte[])[.. ScriptedMilter.CString("X-A:"), .. ScriptedMilter.CString("v")])));
        Should.Throw<MilterProtocolException>(() => MilterEdit.TryParse(new MilterPacket((byte)'h', ScriptedMilter.CString("X-No-Value"))));
        Should.Throw<MilterProtocolException>(() => MilterEdit.TryParse(new MilterPacket((byte)'+', ScriptedMilter.CString("<>"))));
        Should.Throw<MilterProtocolException>(() => MilterEdit.TryParse(new MilterPacket((byte)'i', new byte[] { 1, 2 })));
    }

    private sealed class EditComparer : IEqualityComparer<MilterEdit>
    {
        public bool Equals(MilterEdit? x, MilterEdit? y) =>
            x is not null && y is not null && x.Kind == y.Kind && x.Name == y.Name && x.Index == y.Index && x.Text == y.Text
            && (x.Value ?? []).AsSpan().SequenceEqual(y.Value ?? []);

        public int GetHashCode(MilterEdit obj) => obj.Kind.GetHashCode();
    }
}
