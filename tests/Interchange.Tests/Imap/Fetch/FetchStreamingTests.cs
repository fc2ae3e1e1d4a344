using System.Buffers;
using System.Text;
using Interchange.Imap.Fetch;
using Interchange.Imap.Protocol;
using Shouldly;
using static Interchange.Tests.Imap.Fetch.FetchTestSupport;

namespace Interchange.Tests.Imap.Fetch;

/// <summary>FETCH content goes out through a window with flushes, never held whole.</summary>
public sealed class FetchStreamingTests
{
    private static readonly byte[] Big = Crlf("Subject: big\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n")
        .Concat(Encoding.ASCII.GetBytes(Convert.ToBase64String(Enumerable.Range(0, 1024 * 1024).Select(i => (byte)(i * 7)).ToArray(), Base64FormattingOptions.InsertLineBreaks)))
        .ToArray();

    [Theory]
    [InlineData("BODY[]")]
    [InlineData("RFC822")]
    [InlineData("BODY.PEEK[TEXT]")]
    [InlineData("BINARY[]")]
    [InlineData("BINARY.PEEK[1]")]
    public async Task BigContent_IsFlushedEveryWindow_AndComesOutWhole(string items)
    {
        var message = FetchableMessage.FromBytes(1, 1, [], DateTimeOffset.UnixEpoch, 1, [], Big);
        var output = new WindowWriter();
        var refusal = await FetchResponder.WriteAsync(new ImapResponseWriter(output), Request(items), message, uidCommand: false, flagsChanged: false, output.FlushAsync);
        refusal.ShouldBeNull();
        output.Flushes.ShouldBeGreaterThan(10);
        output.MostBetweenFlushes.ShouldBeLessThanOrEqualTo(FetchResponder.FlushBytes + (16 * 1024) + 256, "what waits for a flush is a window, not the message");

        // The same bytes as the buffered answer (TryWrite, no flushes) gives.
        output.All.ShouldBe(Encoding.Latin1.GetBytes(Respond(items, message)));
    }

    [Fact]
    public void Binary_UsesLiteral8_OnlyWhenThePartSentHoldsANul()
    {
        var message = FetchableMessage.FromBytes(1, 1, [], DateTimeOffset.UnixEpoch, 1, [], Crlf("Content-Transfer-Encoding: base64\n\n") .Concat(Encoding.ASCII.GetBytes(Convert.ToBase64String("abc\0def"u8.ToArray()))).ToArray());
        Respond("BINARY[1]", message).ShouldBe("* 1 FETCH (BINARY[1] ~{7}\r\nabc\0def)\r\n");
        Respond("BINARY[1]<4.3>", message).ShouldBe("* 1 FETCH (BINARY[1] {3}\r\ndef)\r\n");
        Respond("BINARY[1]<2.3>", message).ShouldBe("* 1 FETCH (BINARY[1] ~{3}\r\nc\0d)\r\n");
        Respond("BINARY.SIZE[1]", message).ShouldBe("* 1 FETCH (BINARY.SIZE[1] 7)\r\n");
    }

    /// <summary>An output that records what it is given and the most bytes written between two flushes.</summary>
    private sealed class WindowWriter : IBufferWriter<byte>
    {
        private readonly ArrayBufferWriter<byte> _all = new();
        private long _sinceFlush;

        public int Flushes { get; private set; }

        public long MostBetweenFlushes { get; private set; }

        public byte[] All => _all.WrittenSpan.ToArray();

        public void Advance(int count)
        {
            _all.Advance(count);
            _sinceFlush += count;
            MostBetweenFlushes = Math.Max(MostBetweenFlushes, _sinceFlush);
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _all.GetMemory(sizeHint);

        public Span<byte> GetSpan(int sizeHint = 0) => _all.GetSpan(sizeHint);

        public ValueTask FlushAsync()
        {
            Flushes++;
            _sinceFlush = 0;
            return ValueTask.CompletedTask;
        }
    }
}
