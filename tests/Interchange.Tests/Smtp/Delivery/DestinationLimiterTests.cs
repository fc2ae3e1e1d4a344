using Interchange.Smtp.Delivery;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Smtp.Delivery;

/// <summary>Per-destination concurrency with Postfix's feedback: start at 5, grow to 20 on success, shrink on failure, dead for a while.</summary>
public sealed class DestinationLimiterTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly SmtpDeliveryOptions _options = new() { InitialDestinationConcurrency = 5, DestinationConcurrencyLimit = 20, DeadDestinationTime = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task ADestination_StartsAtTheInitialConcurrency_AndTheNextWaitsForAFreeSlot_FirstComeFirstServed()
    {
        var limiter = new DestinationLimiter(_options, _clock);
        var held = new List<IDisposable>();
        for (var i = 0; i < 5; i++)
        {
            held.Add(await limiter.AcquireAsync("example.net", CancellationToken.None));
        }

        var sixth = limiter.AcquireAsync("example.net", CancellationToken.None);
        var seventh = limiter.AcquireAsync("example.net", CancellationToken.None);
        var other = await limiter.AcquireAsync("example.org", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)); // another destination is not held up
        sixth.IsCompleted.ShouldBeFalse();

        held[0].Dispose();
        (await sixth.WaitAsync(TimeSpan.FromSeconds(5))).ShouldNotBeNull();
        seventh.IsCompleted.ShouldBeFalse("one slot freed, one waiter served, in order");
        limiter.ActiveOf("example.net").ShouldBe(5);

        held[1].Dispose();
        (await seventh.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        other.Dispose();
    }

    [Fact]
    public void Successes_WidenTheLimit_ByOnePerLimitSuccesses_UpToTheMaximum_AndFailuresNarrowIt()
    {
        var limiter = new DestinationLimiter(_options, _clock);
        for (var i = 0; i < 5; i++)
        {
            limiter.Succeeded("example.net");
        }

        limiter.LimitOf("example.net").ShouldBe(6, "1/limit per success: five successes at 5 make one more");
        for (var i = 0; i < 1000; i++)
        {
            limiter.Succeeded("example.net");
        }

        limiter.LimitOf("example.net").ShouldBe(20);
        limiter.Failed("example.net", dead: false);
        limiter.LimitOf("example.net").ShouldBe(19);
        for (var i = 0; i < 50; i++)
        {
            limiter.Failed("example.net", dead: false);
        }

        limiter.LimitOf("example.net").ShouldBe(1, "never below one: the destination is still tried");
    }

    [Fact]
    public void ADeadDestination_IsLeftAlone_UntilItsTimeIsOver_OrItAnswers()
    {
        var limiter = new DestinationLimiter(_options, _clock);
        limiter.Failed("down.example", dead: true);
        limiter.DeadUntil("down.example").ShouldBe(_clock.GetUtcNow() + TimeSpan.FromMinutes(1));

        _clock.Advance(TimeSpan.FromSeconds(61));
        limiter.DeadUntil("down.example").ShouldBeNull();

        limiter.Failed("down.example", dead: true);
        limiter.Succeeded("down.example");
        limiter.DeadUntil("down.example").ShouldBeNull("an answer brings it back at once");
    }

    [Fact]
    public async Task ACancelledWait_LeavesNoSlotBehind_AndIdleDestinationsAreForgotten()
    {
        var limiter = new DestinationLimiter(new SmtpDeliveryOptions { InitialDestinationConcurrency = 1 }, _clock);
        var first = await limiter.AcquireAsync("example.net", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync("example.net", cancel.Token);
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(waiting);

        first.Dispose();
        first.Dispose(); // twice is once
        limiter.ActiveOf("example.net").ShouldBe(0);
        limiter.Count.ShouldBe(0, "nothing in flight, nobody waiting, nothing learnt: forgotten");
        (await limiter.AcquireAsync("example.net", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }
}
