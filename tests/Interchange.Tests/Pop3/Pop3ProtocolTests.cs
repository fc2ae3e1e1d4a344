using System.Buffers;
using System.Text;
using Interchange.Pop3.Protocol;
using Shouldly;

namespace Interchange.Tests.Pop3;

public sealed class Pop3ProtocolTests
{
    [Theory]
    [InlineData("a\r\nb\r\n", "a\r\nb\r\n.\r\n")]
    [InlineData(".x\r\n..y\r\n.\r\n", "..x\r\n...y\r\n..\r\n.\r\n")]
    [InlineData("no final newline", "no final newline\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    [InlineData("bare\n.lf\r\n", "bare\n.lf\r\n.\r\n")]
    [InlineData("x\r.y\r\n", "x\r.y\r\n.\r\n")]
    public void DotStuffing_StuffsLineStartsAfterCrLf_AndTerminates_WhereverSplit(string content, string wire)
    {
        var bytes = Encoding.ASCII.GetBytes(content);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var output = new ArrayBufferWriter<byte>();
            var stuffer = new DotStuffer();
            stuffer.Write(bytes.AsSpan(0, cut), output);
            stuffer.Write(bytes.AsSpan(cut), output);
            stuffer.Complete(output);
            Encoding.ASCII.GetString(output.WrittenSpan).ShouldBe(wire, $"cut at {cut}");
        }
    }

    [Theory]
    [InlineData("H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\nb3\r\n", 0, "H: 1\r\nH: 2\r\n\r\n")]
    [InlineData("H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\nb3\r\n", 2, "H: 1\r\nH: 2\r\n\r\nb1\r\nb2\r\n")]
    [InlineData("H: 1\r\n\r\nb1\r\n", 10, "H: 1\r\n\r\nb1\r\n")]
    [InlineData("H: 1\r\n\r\n\r\n\r\nafter blanks\r\n", 2, "H: 1\r\n\r\n\r\n\r\n")]
    [InlineData("only header, no blank line", 3, "only header, no blank line")]
    public void Top_TakesTheHeaderAndNBodyLines_WhereverSplit(string message, int lines, string expected)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var filter = new TopFilter(lines);
            var first = filter.Take(bytes.AsSpan(0, cut));
            var taken = Encoding.ASCII.GetString(bytes, 0, first);
            if (first == cut)
            {
                var second = filter.Take(bytes.AsSpan(cut));
                taken += Encoding.ASCII.GetString(bytes, cut, second);
            }

            taken.ShouldBe(expected, $"cut at {cut}");
        }
    }
}
