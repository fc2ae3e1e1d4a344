using System.Text;
using Interchange.Pop3.Protocol;
using Shouldly;

namespace Interchange.Tests.Pop3;

public sealed class Pop3ProtocolTests
{
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
