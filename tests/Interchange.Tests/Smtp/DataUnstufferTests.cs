using System.Buffers;
using System.Text;
using Interchange.Smtp.Protocol;
using Shouldly;

namespace Interchange.Tests.Smtp;

public sealed class DataUnstufferTests
{
    public static TheoryData<string, string, int> Cases => new()
    {
        // wire (after DATA's 354), message stored, bytes used (the rest stays for the next command)
        { "Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n", 23 },
        { ".\r\n", string.Empty, 3 },
        { "..\r\n.\r\n", ".\r\n", 7 },
        { "..leading\r\n.\r\n", ".leading\r\n", 14 },
        { "a\r\n...\r\n.\r\nNOOP\r\n", "a\r\n..\r\n", 11 },
        { "bare\n.\nstill data\r\n.\r\n", "bare\n.\nstill data\r\n", 22 },      // LF.LF does not end DATA (smuggling)
        { "bare\n.\r\nstill data\r\n.\r\n", "bare\n.\r\nstill data\r\n", 23 },  // nor LF.CRLF
        { "x\r.\r\n.\r\n", "x\r.\r\n", 8 },                                        // nor CR.CRLF
        { ".\rnot end\r\n.\r\n", "\rnot end\r\n", 14 },                           // ".\r" then data: the dot was stuffing
        { "a\r\n.\r\r\n.\r\n", "a\r\n\r\r\n", 10 },
        { "NUL\0byte\r\n.\r\n", "NUL\0byte\r\n", 13 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unstuffs_AndStopsAtCrLfDotCrLf_OnlyThere(string wire, string message, int used)
    {
        var (output, consumed, done) = Run(Encoding.Latin1.GetBytes(wire), [Encoding.Latin1.GetBytes(wire).Length]);
        done.ShouldBeTrue();
        Encoding.Latin1.GetString(output).ShouldBe(message);
        consumed.ShouldBe(used);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GivesTheSameResult_WhereverTheInputIsSplit(string wire, string message, int used)
    {
        var bytes = Encoding.Latin1.GetBytes(wire);
        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                var (output, consumed, done) = Run(bytes, [first, second - first, bytes.Length - second]);
                done.ShouldBeTrue($"split at {first}/{second}");
                Encoding.Latin1.GetString(output).ShouldBe(message, $"split at {first}/{second}");
                consumed.ShouldBe(used, $"split at {first}/{second}");
            }
        }
    }

    [Fact]
    public void WithoutTheEnd_IsNotDone_AndKeepsEverythingButAPendingDot()
    {
        var (output, consumed, done) = Run(Encoding.ASCII.GetBytes("line\r\n."), [7]);
        done.ShouldBeFalse();
        consumed.ShouldBe(7);
        Encoding.ASCII.GetString(output).ShouldBe("line\r\n");
    }

    [Fact]
    public void RandomMessages_RoundTripThroughStuffing()
    {
        var random = new Random(5321);
        for (var n = 0; n < 300; n++)
        {
            // A message of CRLF lines, some starting with dots; stuff it as a client would.
            var lines = Enumerable.Range(0, random.Next(0, 12)).Select(_ => new string('.', random.Next(0, 3)) + new string('a', random.Next(0, 5))).ToList();
            var message = string.Concat(lines.Select(l => l + "\r\n"));
            var wire = string.Concat(lines.Select(l => (l.StartsWith('.') ? "." + l : l) + "\r\n")) + ".\r\n";
            var bytes = Encoding.ASCII.GetBytes(wire);
            var cut = random.Next(0, bytes.Length + 1);
            var (output, consumed, done) = Run(bytes, [cut, bytes.Length - cut]);
            done.ShouldBeTrue();
            consumed.ShouldBe(bytes.Length);
            Encoding.ASCII.GetString(output).ShouldBe(message);
        }
    }

    /// <summary>Feeds <paramref name="input"/> in pieces of the given sizes, as a PipeReader would, stopping once done.</summary>
    private static (byte[] Output, long Consumed, bool Done) Run(byte[] input, int[] pieces)
    {
        var unstuffer = new DataUnstuffer();
        var output = new ArrayBufferWriter<byte>();
        long offset = 0;
        var pending = 0L;
        foreach (var size in pieces)
        {
            // Unconsumed bytes stay in the buffer and come back with the next piece.
            var available = input.AsMemory((int)(offset), (int)(pending + size));
            var used = unstuffer.Feed(new ReadOnlySequence<byte>(available), output);
            offset += used;
            pending = available.Length - used;
            if (unstuffer.IsDone)
            {
                break;
            }
        }

        return (output.WrittenSpan.ToArray(), offset, unstuffer.IsDone);
    }
}
