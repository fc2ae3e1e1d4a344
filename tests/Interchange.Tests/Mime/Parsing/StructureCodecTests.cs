using System.Text;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Parsing;

/// <summary>
/// The structure stored at accept is the structure a fresh parse gives: for every message of
/// the MIME corpus and the fuzz corpus, decoded bytes describe the same tree (offsets, lines,
/// kinds, types, every kept header field byte for byte, limits, defects), alone and with a
/// delivery's trace prefix in front of it.
/// </summary>
public sealed class StructureCodecTests
{
    private static readonly byte[] TracePrefix = Encoding.ASCII.GetBytes("Return-Path: <sender@example.org>\r\nDelivered-To: user@example.com\r\n");

    public static TheoryData<string> Messages()
    {
        var data = new TheoryData<string>();
        foreach (var file in Files())
        {
            data.Add(file);
        }

        return data;
    }

    /// <summary>The MIME test corpus and the fuzz corpus of the message target.</summary>
    internal static IReadOnlyList<string> Files() =>
    [
        .. System.IO.Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Mime", "Corpus"), "*.eml").Order(StringComparer.Ordinal),
        .. System.IO.Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "FuzzCorpus", "message")).Order(StringComparer.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void Decoded_structure_equals_the_parsed_one(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var parsed = MimeParser.Parse(bytes);

        var decoded = StructureCodec.Decode(StructureCodec.Encode(parsed));

        decoded.ShouldNotBeNull();
        Dump(decoded).ShouldBe(Dump(parsed));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Decoded_with_a_trace_prefix_equals_parsing_prefix_and_message_together(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var whole = MimeParser.Parse([.. TracePrefix, .. bytes]);
        var encoded = StructureCodec.Encode(MimeParser.Parse(bytes));

        var decoded = StructureCodec.Decode(encoded, TracePrefix);

        if (decoded is null)
        {
            // Refused only where the encoder said the prefix cannot go in front (a first line
            // that would read differently after it); the reader then parses instead.
            encoded[1].ShouldBe((byte)0, $"a prefix the encoder allowed was refused: {file}");
            return;
        }

        Dump(decoded).ShouldBe(Dump(whole));
    }

    [Fact]
    public void A_delivered_message_takes_its_prefix_without_a_parse()
    {
        var message = Encoding.ASCII.GetBytes("Received: from x by y; Tue, 1 Dec 2026 20:00:00 +0000\r\nMessage-ID: <a@b>\r\nSubject: hi\r\n\r\nbody\r\n");

        var decoded = StructureCodec.Decode(StructureCodec.Encode(MimeParser.Parse(message)), TracePrefix);

        decoded.ShouldNotBeNull();
        decoded.Envelope.MessageId.ShouldBe("<a@b>");
        Dump(decoded).ShouldBe(Dump(MimeParser.Parse([.. TracePrefix, .. message])));
    }

    [Fact]
    public void Unknown_version_and_corrupt_bytes_decode_to_null()
    {
        var encoded = StructureCodec.Encode(MimeParser.Parse(Encoding.ASCII.GetBytes("Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b--\r\n")));
        byte[] otherVersion = [.. encoded];
        otherVersion[0] = StructureCodec.Version + 1;

        StructureCodec.Decode(otherVersion).ShouldBeNull();
        StructureCodec.Decode([]).ShouldBeNull();
        for (var cut = 1; cut < encoded.Length; cut++)
        {
            StructureCodec.Decode(encoded.AsSpan(0, cut)).ShouldBeNull($"decoded from {cut} of {encoded.Length} bytes");
        }

        // Every single-byte change either decodes to null or to a structure (never throws).
        for (var i = 1; i < encoded.Length; i++)
        {
            byte[] changed = [.. encoded];
            changed[i] ^= 0xFF;
            Should.NotThrow(() => StructureCodec.Decode(changed));
        }
    }

    [Fact]
    public void Encoding_is_compact()
    {
        var message = Encoding.ASCII.GetBytes("From: a@b\r\nTo: c@d\r\nSubject: hello\r\nMessage-ID: <x@y>\r\n\r\n" + new string('x', 10_000) + "\r\n");

        StructureCodec.Encode(MimeParser.Parse(message)).Length.ShouldBeLessThan(200);
    }

    /// <summary>Everything a structure says, one line per part and field.</summary>
    internal static string Dump(MessageStructure structure)
    {
        var text = new StringBuilder();
        text.Append(structure.Length).Append(' ').Append(structure.PartCount).Append('\n');
        foreach (var part in structure.Parts)
        {
            text.Append(part.Depth).Append(' ').Append(part.Kind).Append(' ').Append(part.IsMessage)
                .Append(' ').Append(part.HeaderStart).Append(' ').Append(part.BodyStart).Append(' ').Append(part.BodyEnd)
                .Append(" lines=").Append(part.BodyLines).Append(" limits=").Append(part.LimitsHit).Append(" defects=").Append(part.Defects)
                .Append(" pre=").Append(part.Preamble).Append(" epi=").Append(part.Epilogue)
                .Append(" type=").Append(part.ContentType.MimeType).Append(" default=").Append(part.ContentType.IsDefault)
                .Append(" params=").AppendJoin(';', part.ContentType.Parameters.Select(p => $"{p.Name}={p.Value}/{p.Charset}/{p.Language}"))
                .Append(" fields=").Append(part.Headers.Count).Append('/').Append(part.Headers.TotalCount).Append('\n');
            foreach (var field in part.Headers)
            {
                text.Append("  ").Append(field.Name).Append(' ').Append(field.Offset).Append(' ').Append(field.Length)
                    .Append(' ').Append(Convert.ToHexString(field.Raw.Span)).Append(' ').Append(field.RawValue.Length).Append('\n');
            }

            if (part.IsMessage)
            {
                var envelope = part.Envelope;
                text.Append("  envelope ").Append(envelope.MessageId).Append(' ').Append(envelope.Subject).Append(' ').Append(envelope.Date).Append('\n');
            }
        }

        return text.ToString();
    }
}
