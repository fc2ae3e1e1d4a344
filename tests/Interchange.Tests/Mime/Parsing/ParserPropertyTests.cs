using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Parsing;

/// <summary>
/// Properties over arbitrary input: the parser never throws, its structure is always sound
/// (offsets inside the input and nested), and the way the input is split into reads never
/// changes the result.
/// </summary>
public sealed class ParserPropertyTests
{
    // Pieces of MIME syntax, so that random input reaches the interesting states (boundaries,
    // nested types, folding, odd line ends) far more often than uniform bytes would.
    private static readonly byte[][] s_fragments =
    [
        .. new[]
        {
            "\r\n", "\n", "\r", "\r\r\n", "\r\n\r\n", "--", "--a", "--a--", "--b", "--b--", "--ab", ":", ": ", " ", "\t", "x", "=?", "?=",
            "Content-Type: multipart/mixed; boundary=a\r\n", "Content-Type: multipart/alternative; boundary=\"b\"\r\n",
            "Content-Type: multipart/digest; boundary=ab\r\n", "Content-Type: message/rfc822\r\n", "Content-Type: message/global\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n", "Content-Transfer-Encoding: base64\r\n", "Subject: =?utf-8?q?caf=C3=A9?=\r\n",
            "From: \"A, B\" <a@b.example>\r\n", " folded\r\n", "boundary*0=a; boundary*1=b", "\0", "\xff\xfe", "Ünïcode",
        }.Select(s => Encoding.Latin1.GetBytes(s)),
    ];

    private static readonly Gen<byte[]> s_randomBytes =
        Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), n));

    private static readonly Gen<byte[]> s_mimeish =
        Gen.Choose(0, 80).SelectMany(n => Gen.ArrayOf(Gen.Frequency((3, Gen.Elements(s_fragments)), (1, s_randomBytes)), n))
            .Select(pieces => pieces.SelectMany(p => p).ToArray());

    private static readonly Gen<(int MaxChunk, int Seed)> s_splits =
        Gen.Choose(1, 64).Zip(Gen.Choose(0, int.MaxValue));

    private static readonly MimeParserOptions s_tightLimits = new()
    {
        MaxDepth = 3,
        MaxParts = 6,
        MaxHeaderFields = 3,
        MaxHeaderFieldBytes = 24,
        MaxHeaderBytes = 48,
        MaxLineLength = 20,
    };

    [Fact]
    public void Random_bytes_always_parse_to_a_sound_structure_whatever_the_read_sizes()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(s_mimeish.Zip(s_splits).ToArbitrary(), c => IsSoundAndSplitInvariant(c.Item1, c.Item2, MimeParserOptions.Default)));
    }

    [Fact]
    public void Random_bytes_under_tight_limits_parse_to_a_sound_structure()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(s_mimeish.Zip(s_splits).ToArbitrary(), c => IsSoundAndSplitInvariant(c.Item1, c.Item2, s_tightLimits)));
    }

    [Fact]
    public void Uniformly_random_bytes_parse_to_a_sound_structure()
    {
        var bytes = Gen.Choose(0, 2000).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), n));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(bytes.Zip(s_splits).ToArbitrary(), c => IsSoundAndSplitInvariant(c.Item1, c.Item2, MimeParserOptions.Default)));
    }

    [Fact]
    public void Mutated_corpus_messages_parse_to_a_sound_structure()
    {
        var names = MimeCorpus.Names.ToArray();
        var mutation =
            from kind in Gen.Choose(0, 4)
            from position in Gen.Choose(0, 1_000_000)
            from length in Gen.Choose(0, 64)
            from fragment in Gen.Choose(0, s_fragments.Length - 1)
            select new Mutation(kind, position, length, fragment);
        var cases = Gen.Elements(names).Zip(Gen.Choose(1, 12).SelectMany(n => Gen.ArrayOf(mutation, n)));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(cases.Zip(s_splits).ToArbitrary(), c =>
        {
            var bytes = MimeCorpus.Read(c.Item1.Item1).ToList();
            foreach (var m in c.Item1.Item2)
            {
                var at = bytes.Count == 0 ? 0 : m.Where % (bytes.Count + 1);
                var length = Math.Min(m.Length, bytes.Count - at);
                switch (m.Kind)
                {
                    case 0:
                        bytes.RemoveRange(at, length);
                        break;
                    case 1:
                        bytes.InsertRange(at, s_fragments[m.Fragment]);
                        break;
                    case 2 when at < bytes.Count:
                        bytes[at] ^= (byte)(m.Length + 1);
                        break;
                    case 3:
                        bytes.InsertRange(at, bytes.GetRange(at, length));
                        break;
                    default:
                        bytes.InsertRange(at, Enumerable.Repeat((byte)'\n', m.Length % 4));
                        break;
                }
            }

            return IsSoundAndSplitInvariant([.. bytes], c.Item2, MimeParserOptions.Default);
        }));
    }

    [Theory]
    [MemberData(nameof(MimeCorpus.All), MemberType = typeof(MimeCorpus))]
    public void Splitting_a_corpus_message_at_any_byte_gives_the_same_structure(string name)
    {
        var input = MimeCorpus.Read(name);
        var expected = MimeStructureChecks.Describe(MimeParser.Parse(input));

        for (var split = 0; split <= input.Length; split++)
        {
            var parser = new MimeParser();
            parser.Feed(input.AsSpan(0, split));
            parser.Feed(input.AsSpan(split));
            var actual = MimeStructureChecks.Describe(parser.Complete());
            if (actual != expected)
            {
                actual.ShouldBe(expected, $"split at {split}");
            }
        }

        MimeStructureChecks.Describe(MimeParser.Parse(new ChunkedStream(input, maxChunk: 1, seed: 0))).ShouldBe(expected);
        MimeStructureChecks.Describe(MimeParser.Parse(Segments(input, 3))).ShouldBe(expected);
    }

    [Fact]
    public async Task Parse_async_reads_a_stream_to_the_same_structure()
    {
        var input = MimeCorpus.Read("forwarded-rfc822.eml");

        var structure = await MimeParser.ParseAsync(new ChunkedStream(input, maxChunk: 7, seed: 1));

        MimeStructureChecks.Describe(structure).ShouldBe(MimeStructureChecks.Describe(MimeParser.Parse(input)));
    }

    [Fact]
    public void A_completed_parser_refuses_more_input_and_returns_the_same_result()
    {
        var parser = new MimeParser();
        parser.Feed("Subject: x\r\n\r\nbody"u8);
        var first = parser.Complete();

        parser.Complete().ShouldBeSameAs(first);
        Should.Throw<InvalidOperationException>(() => parser.Feed("more"u8));
    }

    private static bool IsSoundAndSplitInvariant(byte[] input, (int MaxChunk, int Seed) split, MimeParserOptions options)
    {
        var whole = MimeParser.Parse(input, options);
        var violation = MimeStructureChecks.FindViolation(whole, input);
        if (violation is not null)
        {
            throw new ShouldAssertException($"{violation}\ninput: {Convert.ToHexString(input)}");
        }

        var chunked = MimeParser.Parse(new ChunkedStream(input, split.MaxChunk, split.Seed), options);
        return MimeStructureChecks.Describe(chunked) == MimeStructureChecks.Describe(whole);
    }

    private static ReadOnlySequence<byte> Segments(byte[] input, int size)
    {
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < input.Length; offset += size)
        {
            var memory = input.AsMemory(offset, Math.Min(size, input.Length - offset));
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed record Mutation(int Kind, int Where, int Length, int Fragment);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
