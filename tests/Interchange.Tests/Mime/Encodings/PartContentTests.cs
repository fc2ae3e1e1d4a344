using System.Text;
using Interchange.Mime.Encodings;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Encodings;

/// <summary>Reading a part's content from the stored message: only its range, decoded as it streams.</summary>
public sealed class PartContentTests
{
    [Fact]
    public async Task Decoding_a_part_reads_only_that_parts_bytes()
    {
        var input = MimeCorpus.Read("outlook-winmail-cp1252.eml");
        var tnef = MimeParser.Parse(input).Root.Children[1];
        var tracking = new TrackingStream(input);

        var bytes = await PartContent.ReadBytesAsync(tracking, tnef);

        bytes.Length.ShouldBe(1028);
        tracking.LowestRead.ShouldBeGreaterThanOrEqualTo(tnef.BodyStart);
        tracking.HighestRead.ShouldBeLessThanOrEqualTo(tnef.BodyEnd);
        tracking.BytesRead.ShouldBe(tnef.BodyOctets);
    }

    [Fact]
    public async Task A_range_opener_is_asked_for_exactly_the_body_range()
    {
        var input = MimeCorpus.Read("thunderbird-alternative-inline-image.eml");
        var html = MimeParser.Parse(input).Root.Children[1].Children[0];
        (long Start, long Length)? asked = null;

        await using var decoded = PartContent.OpenDecoded(
            (start, length) =>
            {
                asked = (start, length);
                return new MemoryStream(input, (int)start, (int)length, writable: false);
            },
            html);
        using var reader = new StreamReader(decoded, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();

        asked.ShouldBe((html.BodyStart, html.BodyOctets));
        text.ShouldContain("<p>Hi Bob,</p>");
        text.ShouldNotContain("=3D");
    }

    [Fact]
    public async Task Raw_content_is_the_body_bytes_exactly()
    {
        var input = MimeCorpus.Read("multipart-signed.eml");
        var part = MimeParser.Parse(input).Root.Children[0];

        await using var raw = PartContent.OpenRaw(new MemoryStream(input), part);
        using var copy = new MemoryStream();
        await raw.CopyToAsync(copy);

        Encoding.ASCII.GetString(copy.ToArray()).ShouldBe("The signed text.");
    }

    [Fact]
    public void A_byte_range_stream_seeks_within_its_range()
    {
        var data = Encoding.ASCII.GetBytes("0123456789");
        using var range = new ByteRangeStream(new MemoryStream(data), 2, 5);
        var buffer = new byte[10];

        range.Read(buffer, 0, 10).ShouldBe(5);
        Encoding.ASCII.GetString(buffer, 0, 5).ShouldBe("23456");
        range.Read(buffer, 0, 10).ShouldBe(0);
        range.Seek(-2, SeekOrigin.End).ShouldBe(3);
        range.Read(buffer, 0, 10).ShouldBe(2);
        Encoding.ASCII.GetString(buffer, 0, 2).ShouldBe("56");
        range.Position = 100;
        range.Position.ShouldBe(5);
        Should.Throw<ArgumentException>(() => new ByteRangeStream(new ChunkedStream(data, 1, 0), 0, 1));
    }

    private sealed class TrackingStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public long LowestRead { get; private set; } = long.MaxValue;

        public long HighestRead { get; private set; }

        public long BytesRead { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var start = Position;
            var read = base.Read(buffer, offset, count);
            Track(start, read);
            return read;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span)); // Stream.Read(Span) calls Read(byte[], ...)

        private void Track(long start, int read)
        {
            if (read > 0)
            {
                LowestRead = Math.Min(LowestRead, start);
                HighestRead = Math.Max(HighestRead, start + read);
                BytesRead += read;
            }
        }
    }
}
