using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Interchange.Core.Net;
using Shouldly;

namespace Interchange.Tests.Core;

public sealed class CoalescingPipeWriterTests
{
    [Fact]
    public async Task ManySmallWrites_ReachThePipeWhole_InOrder_OnlyWhenCommittedOrFlushed()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var writer = new CoalescingPipeWriter(pipe.Writer);
        var expected = new StringBuilder();
        for (var i = 0; i < 5000; i++)
        {
            var token = i % 7 == 0 ? new string('x', 900) : $"{i} ";
            writer.Write(Encoding.ASCII.GetBytes(token));
            expected.Append(token);
        }

        writer.Pending.ShouldBeGreaterThan(0, "the last block waits for a commit");
        await writer.FlushAsync();
        writer.Pending.ShouldBe(0);
        await pipe.Writer.CompleteAsync();

        var received = new StringBuilder();
        while (true)
        {
            var read = await pipe.Reader.ReadAsync();
            foreach (var segment in read.Buffer)
            {
                received.Append(Encoding.ASCII.GetString(segment.Span));
            }

            pipe.Reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        received.ToString().ShouldBe(expected.ToString());
    }

    [Fact]
    public void AdvancingPastWhatWasHandedOut_IsRefused()
    {
        var writer = new CoalescingPipeWriter(new Pipe().Writer);
        var length = writer.GetSpan(10).Length;
        Should.Throw<InvalidOperationException>(() => writer.Advance(length + 1));
        writer.Advance(3);
        writer.Pending.ShouldBe(3);
        writer.Commit();
        writer.Pending.ShouldBe(0);
    }
}
