using Interchange.Core.Net;
using Shouldly;

namespace Interchange.Tests.Core;

public sealed class CommandPacerTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Now { get; set; } = 1_000_000;

        public override long TimestampFrequency => 1_000_000; // microseconds

        public override long GetTimestamp() => Now;

        public void Advance(TimeSpan by) => Now += (long)(by.TotalSeconds * TimestampFrequency);
    }

    [Fact]
    public void ABurstPassesFreely_ThenCommandsWaitOneRateIntervalEach()
    {
        var clock = new ManualClock();
        var pacer = new CommandPacer(rate: 100, burst: 10, clock);
        for (var i = 0; i < 10; i++)
        {
            pacer.Take().ShouldBe(TimeSpan.Zero, $"command {i} is within the burst");
        }

        pacer.Take().TotalMilliseconds.ShouldBe(10, 0.001, "the 11th waits for one token at 100/s");
        pacer.Take().TotalMilliseconds.ShouldBe(20, 0.001, "and the 12th for two: waits add up under a flood");
        pacer.Delayed.ShouldBe(2);
    }

    [Fact]
    public void TokensComeBackWithTime_UpToTheBurstOnly()
    {
        var clock = new ManualClock();
        var pacer = new CommandPacer(rate: 50, burst: 5, clock);
        for (var i = 0; i < 5; i++)
        {
            pacer.Take();
        }

        clock.Advance(TimeSpan.FromSeconds(0.1)); // 5 tokens at 50/s
        for (var i = 0; i < 5; i++)
        {
            pacer.Take().ShouldBe(TimeSpan.Zero);
        }

        pacer.Take().ShouldBeGreaterThan(TimeSpan.Zero);
        clock.Advance(TimeSpan.FromHours(1)); // an idle hour refills the burst, not 180,000 tokens
        for (var i = 0; i < 5; i++)
        {
            pacer.Take().ShouldBe(TimeSpan.Zero);
        }

        pacer.Take().ShouldBeGreaterThan(TimeSpan.Zero);
    }
}
