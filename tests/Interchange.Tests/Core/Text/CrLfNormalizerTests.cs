using System.Buffers;
using System.Text;
using Interchange.Core.Text;
using Shouldly;

namespace Interchange.Tests.Core.Text;

public sealed class CrLfNormalizerTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("a\r\nb\r\n", "a\r\nb\r\n")]
    [InlineData("bare\nlf\n", "bare\r\nlf\r\n")]
    [InlineData("bare\rcr\r", "bare\r\ncr\r\n")]
    [InlineData("\r\r\n", "\r\n\r\n")]
    [InlineData("\n\r", "\r\n\r\n")]
    [InlineData("\r\n\n\r\r\n", "\r\n\r\n\r\n\r\n")]
    [InlineData("visible\n.\r\n+OK INJECTED\r\n", "visible\r\n.\r\n+OK INJECTED\r\n")]
    [InlineData("x\r.\ry", "x\r\n.\r\ny")]
    [InlineData("no line end", "no line end")]
    [InlineData("ends in cr\r", "ends in cr\r\n")]
    [InlineData("NUL\0and\u00ffkept\r\n", "NUL\0and\u00ffkept\r\n")]
    public void MakesEveryLineEndCrLf_WhereverTheInputIsSplit(string input, string expected)
    {
        var bytes = Encoding.Latin1.GetBytes(input);
        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                var output = new ArrayBufferWriter<byte>();
                var normalizer = new CrLfNormalizer();
                normalizer.Feed(bytes.AsSpan(0, first), output);
                normalizer.Feed(bytes.AsSpan(first, second - first), output);
                normalizer.Feed(bytes.AsSpan(second), output);
                normalizer.Complete(output);
                Encoding.Latin1.GetString(output.WrittenSpan).ShouldBe(expected, $"split at {first}/{second}");
            }
        }
    }

    [Fact]
    public void RandomContent_ComesOutWithOnlyCrLf_AndTheSameLines()
    {
        var random = new Random(5322);
        for (var n = 0; n < 500; n++)
        {
            var bytes = Enumerable.Range(0, random.Next(0, 40)).Select(_ => "ab\r\n."[random.Next(5)]).Select(c => (byte)c).ToArray();
            var output = new ArrayBufferWriter<byte>();
            var normalizer = new CrLfNormalizer();
            var cut = random.Next(0, bytes.Length + 1);
            normalizer.Feed(bytes.AsSpan(0, cut), output);
            normalizer.Feed(bytes.AsSpan(cut), output);
            normalizer.Complete(output);
            var text = Encoding.ASCII.GetString(output.WrittenSpan);
            text.Replace("\r\n", string.Empty, StringComparison.Ordinal).ShouldNotContain('\r');
            text.Replace("\r\n", string.Empty, StringComparison.Ordinal).ShouldNotContain('\n');
            var original = Encoding.ASCII.GetString(bytes);
            text.Split("\r\n").ShouldBe(System.Text.RegularExpressions.Regex.Split(original, "\r\n|\r|\n"), original);
        }
    }
}
