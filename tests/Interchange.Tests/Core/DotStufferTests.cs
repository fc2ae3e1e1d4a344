using System.Buffers;
using System.Text;
using Interchange.Core.Net;
using Shouldly;

namespace Interchange.Tests.Core;

public sealed class DotStufferTests
{
    [Theory]
    [InlineData("a\r\nb\r\n", "a\r\nb\r\n.\r\n")]
    [InlineData(".x\r\n..y\r\n.\r\n", "..x\r\n...y\r\n..\r\n.\r\n")]
    [InlineData("no final newline", "no final newline\r\n.\r\n")]
    [InlineData("", ".\r\n")]
    [InlineData("bare\n.lf\r\n", "bare\n..lf\r\n.\r\n")]
    [InlineData("x\r.y\r\n", "x\r..y\r\n.\r\n")]
    [InlineData("visible\n.\r\n+OK INJECTED\r\n", "visible\n..\r\n+OK INJECTED\r\n.\r\n")]
    [InlineData("cr\r.\r-ERR\r\n", "cr\r..\r-ERR\r\n.\r\n")]
    [InlineData("\n.\n\r.", "\n..\n\r..\r\n.\r\n")]
    [InlineData("ends with lf\n", "ends with lf\n\r\n.\r\n")]
    [InlineData("ends with cr\r", "ends with cr\r\r\n.\r\n")]
    [InlineData("\r\n", "\r\n.\r\n")]
    public void DotStuffing_StuffsEveryLineStart_AfterCrLfOrABareCrOrLf_AndTerminates_WhereverSplit(string content, string wire)
    {
        var bytes = Encoding.ASCII.GetBytes(content);
        for (var first = 0; first <= bytes.Length; first++)
        {
            for (var second = first; second <= bytes.Length; second++)
            {
                var output = new ArrayBufferWriter<byte>();
                var stuffer = new DotStuffer();
                stuffer.Write(bytes.AsSpan(0, first), output);
                stuffer.Write(bytes.AsSpan(first, second - first), output);
                stuffer.Write(bytes.AsSpan(second), output);
                stuffer.Complete(output);
                Encoding.ASCII.GetString(output.WrittenSpan).ShouldBe(wire, $"split at {first}/{second}");
            }
        }
    }
}
