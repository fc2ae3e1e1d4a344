using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Interchange.Mime.Encodings;
using Shouldly;

namespace Interchange.Tests.Mime.Encodings;

/// <summary>Base64 and quoted-printable: lenient streaming decoders, and the writer's encoders.</summary>
public sealed class TransferCodecTests
{
    private static readonly Gen<byte[]> s_bytes =
        Gen.Choose(0, 600).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), n));

    private static readonly Gen<int> s_chunk = Gen.Choose(1, 50);

    [Theory]
    [InlineData("SGVsbG8gV29ybGQ=", "Hello World")]
    [InlineData("SGVs\r\nbG8g\r\nV29y bGQ=\r\n", "Hello World")]
    [InlineData("SGVsbG8gV29ybGQ", "Hello World")]
    [InlineData("SGVsbG8*!gV29ybGQ=!!\r\n--", "Hello World")]
    [InlineData("SGk=SGk=", "HiHi")]
    [InlineData("S", "")]
    [InlineData("", "")]
    public void Base64_decoding_skips_junk_and_tolerates_missing_padding(string encoded, string expected)
    {
        Encoding.ASCII.GetString(Base64Decoder.Decode(Encoding.ASCII.GetBytes(encoded))).ShouldBe(expected);
    }

    [Theory]
    [InlineData("a=3Db", "a=b")]
    [InlineData("caf=C3=A9 caf=c3=a9", "café café")]
    [InlineData("soft=\r\nbreak", "softbreak")]
    [InlineData("soft=\nbreak", "softbreak")]
    [InlineData("soft= \t\r\nbreak", "softbreak")]
    [InlineData("soft=\rbreak", "softbreak")]
    [InlineData("hard\r\nbreak", "hard\r\nbreak")]
    [InlineData("bad=ZZ escape", "bad=ZZ escape")]
    [InlineData("bad=3 escape", "bad=3 escape")]
    [InlineData("equals at end=", "equals at end=")]
    [InlineData("half escape at end=4", "half escape at end=4")]
    [InlineData("= x", "= x")]
    [InlineData("trailing space kept  \r\nnext", "trailing space kept  \r\nnext")]
    public void Quoted_printable_decoding_is_lenient(string encoded, string expected)
    {
        Encoding.UTF8.GetString(QuotedPrintableDecoder.Decode(Encoding.ASCII.GetBytes(encoded))).ShouldBe(expected);
    }

    [Fact]
    public void Base64_round_trips_in_76_character_lines_whatever_the_decoder_chunks()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(s_bytes.Zip(s_chunk).ToArbitrary(), c =>
        {
            var encoded = Base64Encoder.Encode(c.Item1);
            var lines = Encoding.ASCII.GetString(encoded).Split("\r\n");
            return lines[^1].Length == 0
                && lines.All(l => l.Length <= 76)
                && DecodeInChunks(new Base64Decoder(), encoded, c.Item2).SequenceEqual(c.Item1);
        }));
    }

    [Fact]
    public void Quoted_printable_round_trips_text_in_76_character_lines_whatever_the_decoder_chunks()
    {
        var text = Gen.Choose(0, 400).SelectMany(n => Gen.ArrayOf(
            Gen.Frequency((6, Gen.Choose(32, 126).Select(i => (byte)i)), (1, Gen.Elements((byte)' ', (byte)'\t', (byte)'=', (byte)0, (byte)0xE9, (byte)'\r', (byte)'F')), (1, Gen.Constant((byte)'\n'))), n))
            .Select(bytes => NormalizeNewlines(bytes));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(text.Zip(s_chunk).ToArbitrary(), c =>
        {
            var encoded = QuotedPrintableEncoder.Encode(c.Item1);
            var lines = Encoding.ASCII.GetString(encoded).Split("\r\n");
            return lines.All(l => l.Length <= 76 && !l.EndsWith(' ') && !l.EndsWith('\t') && !l.StartsWith("From ", StringComparison.Ordinal))
                && encoded.All(b => b is >= 32 and <= 126 or (byte)'\r' or (byte)'\n' or (byte)'\t')
                && DecodeInChunks(new QuotedPrintableDecoder(), encoded, c.Item2).SequenceEqual(c.Item1);
        }));
    }

    [Fact]
    public async Task Streaming_base64_encoding_matches_the_buffer_encoder()
    {
        var data = new byte[100_003];
        new Random(7).NextBytes(data);
        using var output = new MemoryStream();

        await Base64Encoder.EncodeAsync(new MemoryStream(data), output);

        output.ToArray().ShouldBe(Base64Encoder.Encode(data));
    }

    [Fact]
    public void Decoders_refuse_a_destination_too_small_to_be_safe()
    {
        Should.Throw<ArgumentException>(() => new Base64Decoder().Decode(new byte[100], new byte[10]));
        Should.Throw<ArgumentException>(() => new QuotedPrintableDecoder().Decode(new byte[100], new byte[100]));
    }

    // CR LF is the only line break the encoder may keep as is; a lone LF or CR would come
    // back as CRLF or =0D, so test text uses CRLF for line breaks.
    private static byte[] NormalizeNewlines(byte[] bytes)
    {
        var output = new List<byte>();
        foreach (var b in bytes)
        {
            if (b == '\n')
            {
                output.Add((byte)'\r');
            }

            output.Add(b);
        }

        return [.. output];
    }

    private static byte[] DecodeInChunks(object decoder, byte[] encoded, int chunk)
    {
        var output = new List<byte>();
        for (var offset = 0; offset <= encoded.Length; offset += chunk)
        {
            var piece = encoded.AsSpan(offset, Math.Min(chunk, encoded.Length - offset));
            if (decoder is Base64Decoder base64)
            {
                var buffer = new byte[Base64Decoder.MaxDecodedLength(piece.Length)];
                output.AddRange(buffer.AsSpan(0, base64.Decode(piece, buffer)).ToArray());
            }
            else
            {
                var qp = (QuotedPrintableDecoder)decoder;
                var buffer = new byte[QuotedPrintableDecoder.MaxDecodedLength(piece.Length)];
                output.AddRange(buffer.AsSpan(0, qp.Decode(piece, buffer)).ToArray());
            }
        }

        var tail = new byte[80];
        var written = decoder is Base64Decoder b ? b.Flush(tail) : ((QuotedPrintableDecoder)decoder).Flush(tail);
        output.AddRange(tail.AsSpan(0, written).ToArray());
        return [.. output];
    }
}
