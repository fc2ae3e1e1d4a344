using System.Buffers;
using System.Text;
using Interchange.Imap.Protocol;
using Shouldly;

namespace Interchange.Tests.Imap;

/// <summary>APPEND's message literal handed to the caller to stream instead of buffered (ImapReadStatus.StreamLiteral).</summary>
public sealed class ImapCommandReaderStreamingTests
{
    private static readonly ImapParserOptions Streaming = ImapParserOptions.Default with { StreamedLiteralCommands = ["APPEND"], MaxLiteralSize = 1024 };

    [Theory]
    [InlineData("a APPEND INBOX (\\Seen) {5}\r\n", "hello", "\r\n", "a APPEND INBOX (\\Seen) {5}'hello'", false)]
    [InlineData("a APPEND INBOX {5+}\r\n", "hello", "\r\n", "a APPEND INBOX {5}'hello'", true)]
    [InlineData("42 append \"Sent\" (\\Seen) UTF8 (~{5+}\r\n", "he\0lo", ")\r\n", "42 APPEND \"Sent\" (\\Seen) UTF8 (~{5}'he\0lo')", true)]
    [InlineData("42 APPEND Drafts (\\Draft) \"20-Nov-2022 23:59:59 +0300\" UTF8 (~{5}\r\n", "hello", ")\r\n", "42 APPEND Drafts (\\Draft) \"20-Nov-2022 23:59:59 +0300\" UTF8 (~{5}'hello')", false)]
    [InlineData("a APPEND {5}\r\nINBOX {3}\r\n", "abc", "\r\n", "a APPEND {5}'INBOX' {3}'abc'", false)] // the mailbox literal is buffered, the message streamed
    public void AppendsMessage_IsHandedOut_ThenTheCommandCompletes(string head, string message, string tail, string expected, bool nonSynchronizing)
    {
        var reader = new ImapCommandReader(Streaming);
        var buffer = Bytes(head + message + tail);
        var result = reader.TryRead(ref buffer);
        result.Status.ShouldBe(ImapReadStatus.StreamLiteral);
        result.LiteralLength.ShouldBe(message.Length);
        result.NonSynchronizing.ShouldBe(nonSynchronizing);
        result.Tag.ShouldBe(head.Split(' ')[0]);
        Encoding.Latin1.GetString(buffer.ToArray()).ShouldBe(message + tail, "the buffer starts where the literal's bytes start");

        // The caller takes the literal itself (here: from the buffer) and calls again.
        result.Literal!.Bytes = buffer.Slice(0, message.Length).ToArray();
        buffer = buffer.Slice(message.Length);
        var rest = reader.TryRead(ref buffer);
        rest.Status.ShouldBe(ImapReadStatus.Command);
        ImapWire.Describe(rest.Command!).ShouldBe(expected);
        buffer.Length.ShouldBe(0);
    }

    [Fact]
    public void OnlyOneLiteralPerCommandStreams_SoOneCommandCannotWriteWithoutEnd()
    {
        var reader = new ImapCommandReader(Streaming);
        var buffer = Bytes("a APPEND INBOX {5}\r\nhello {60000000}\r\n");
        reader.TryRead(ref buffer).Status.ShouldBe(ImapReadStatus.StreamLiteral);
        buffer = buffer.Slice(5);
        var second = reader.TryRead(ref buffer);
        second.Status.ShouldBe(ImapReadStatus.Error, "a second message literal is buffered like any other, so held to MaxLiteralSize");
        second.Error!.ResponseCode.ShouldBe("TOOBIG");
    }

    [Fact]
    public void ALiteralInsideTheFlagList_IsNotTheMessage()
    {
        var reader = new ImapCommandReader(Streaming);
        var buffer = Bytes("a APPEND INBOX ({60000000}\r\n");
        var result = reader.TryRead(ref buffer);
        result.Status.ShouldBe(ImapReadStatus.Error);
        result.Error!.ResponseCode.ShouldBe("TOOBIG");
    }

    [Fact]
    public void AStreamedLiteral_IsNotBoundByTheBufferedLiteralLimit()
    {
        var reader = new ImapCommandReader(Streaming);
        var buffer = Bytes("a APPEND INBOX {60000000}\r\n");
        var result = reader.TryRead(ref buffer);
        result.Status.ShouldBe(ImapReadStatus.StreamLiteral, "the caller decides, against APPENDLIMIT, before any '+'");
        result.LiteralLength.ShouldBe(60_000_000);

        // Other commands' literals are still held to MaxLiteralSize.
        var other = Bytes("b LOGIN {2000}\r\n");
        reader = new ImapCommandReader(Streaming);
        reader.TryRead(ref other).Error!.ResponseCode.ShouldBe("TOOBIG");
    }

    [Fact]
    public void RefusedSynchronizingLiteral_DropsTheCommand_AndTheNextOneIsRead()
    {
        var reader = new ImapCommandReader(Streaming);
        var buffer = Bytes("a APPEND INBOX {60000000}\r\nb NOOP\r\n");
        reader.TryRead(ref buffer).Status.ShouldBe(ImapReadStatus.StreamLiteral);
        reader.RefuseContinuation(ref buffer);
        var next = reader.TryRead(ref buffer);
        next.Status.ShouldBe(ImapReadStatus.Command);
        next.Command!.Name.ShouldBe("NOOP");
    }

    [Fact]
    public void SkippedNonSynchronizingLiteral_IsDiscarded_WithTheRestOfItsLine()
    {
        var reader = new ImapCommandReader(Streaming);
        var buffer = Bytes("a APPEND INBOX UTF8 (~{11+}\r\n");
        reader.TryRead(ref buffer).Status.ShouldBe(ImapReadStatus.StreamLiteral);
        reader.SkipLiteral(11);

        // The literal (with a fake command inside) and ")" arrive in pieces.
        foreach (var piece in new[] { "c1 LOGOUT", "\r\n)", "\r\nb NOOP\r\n" })
        {
            var more = Bytes(piece);
            var result = reader.TryRead(ref more);
            if (piece.Contains("NOOP", StringComparison.Ordinal))
            {
                result.Status.ShouldBe(ImapReadStatus.Command);
                result.Command!.Name.ShouldBe("NOOP");
            }
            else
            {
                result.Status.ShouldBe(ImapReadStatus.NeedMoreData);
                more.Length.ShouldBe(0);
            }
        }
    }

    [Fact]
    public void WithoutTheOption_AppendLiteralsAreBuffered_AsBefore()
    {
        var reader = new ImapCommandReader();
        var buffer = Bytes("a APPEND INBOX {5}\r\n");
        reader.TryRead(ref buffer).Status.ShouldBe(ImapReadStatus.NeedContinuation);
    }

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.Latin1.GetBytes(text));
}
