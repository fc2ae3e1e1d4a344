using System.Buffers;
using System.Text;
using Interchange.Smtp.Protocol;
using Shouldly;

namespace Interchange.Tests.Smtp;

public sealed class HeaderCompleterTests
{
    private const string Added = "Date: D\r\nMessage-ID: <M>\r\n";

    [Theory]
    [InlineData("Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n" + Added + "\r\nbody\r\n")]
    [InlineData("Subject: x\r\nDate: mine\r\nMessage-ID: <mine>\r\n\r\nbody\r\n", "Subject: x\r\nDate: mine\r\nMessage-ID: <mine>\r\n\r\nbody\r\n")]
    [InlineData("date: mine\r\nMESSAGE-id : <mine>\r\n\r\n", "date: mine\r\nMESSAGE-id : <mine>\r\n\r\n")]
    [InlineData("Date: mine\r\n\r\nMessage-ID: <in body>\r\n", "Date: mine\r\nMessage-ID: <M>\r\n\r\nMessage-ID: <in body>\r\n")]
    [InlineData("X: a\r\n Date: folded, not a field\r\n\r\n", "X: a\r\n Date: folded, not a field\r\n" + Added + "\r\n")]
    [InlineData("Dated: no\r\nMessage-IDs: no\r\n\r\n", "Dated: no\r\nMessage-IDs: no\r\n" + Added + "\r\n")]
    [InlineData("\r\nbody only\r\n", Added + "\r\nbody only\r\n")]
    [InlineData("Subject: no body\r\n", "Subject: no body\r\n" + Added)]
    [InlineData("Subject: no line end", "Subject: no line end\r\n" + Added)]
    [InlineData("", Added)]
    public void AddsWhatIsMissing_AtTheEndOfTheHeader_WhereverTheInputIsSplit(string input, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(input);
        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                var output = new ArrayBufferWriter<byte>();
                var completer = new HeaderCompleter(1000, () => "D", () => "<M>");
                completer.Feed(bytes.AsSpan(0, first), output);
                completer.Feed(bytes.AsSpan(first, second - first), output);
                completer.Feed(bytes.AsSpan(second), output);
                completer.Complete(output);
                Encoding.ASCII.GetString(output.WrittenSpan).ShouldBe(expected, $"split at {first}/{second}");
            }
        }
    }

    [Fact]
    public void AHeaderLongerThanTheLimit_GoesOnUnchanged_AndTheBodyStreams()
    {
        var header = string.Concat(Enumerable.Range(0, 20).Select(i => $"X-Long-{i}: {new string('v', 40)}\r\n"));
        var input = Encoding.ASCII.GetBytes(header + "\r\nbody\r\n");
        var output = new ArrayBufferWriter<byte>();
        var completer = new HeaderCompleter(256, () => "D", () => "<M>");
        foreach (var chunk in input.Chunk(7))
        {
            completer.Feed(chunk, output);
        }

        completer.Complete(output);
        completer.Overflowed.ShouldBeTrue();
        output.WrittenSpan.ToArray().ShouldBe(input);
    }

    [Fact]
    public void ALimitOfZero_AddsNothing()
    {
        var output = new ArrayBufferWriter<byte>();
        var completer = new HeaderCompleter(0, () => "D", () => "<M>");
        completer.Feed("Subject: x\r\n\r\nbody\r\n"u8, output);
        completer.Complete(output);
        Encoding.ASCII.GetString(output.WrittenSpan).ShouldBe("Subject: x\r\n\r\nbody\r\n");
    }

    [Fact]
    public void OnlyTheHeaderIsHeld_TheBodyPassesAsItComes()
    {
        var output = new ArrayBufferWriter<byte>();
        var completer = new HeaderCompleter(1000, () => "D", () => "<M>");
        completer.Feed("Subject: x\r\n"u8, output);
        output.WrittenCount.ShouldBe(0, "the header is held until its end is seen");
        completer.Feed("\r\nbody"u8, output);
        Encoding.ASCII.GetString(output.WrittenSpan).ShouldBe("Subject: x\r\n" + Added + "\r\nbody");
        completer.Feed(" more"u8, output);
        Encoding.ASCII.GetString(output.WrittenSpan).ShouldEndWith("body more");
    }
}
