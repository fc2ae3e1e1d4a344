using Interchange.Tests.TestSupport;
using Interchange.Transport;
using Interchange.Transport.Bounces;
using Shouldly;

namespace Interchange.Tests.Transport.Bounces;

/// <summary>The retry schedule: Postfix's backoff and lifetimes, a seeded jitter, a fake clock.</summary>
public sealed class RetryScheduleTests
{
    private static readonly DateTimeOffset Queued = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static TransportOptions NoJitter(Action<TransportOptions>? change = null)
    {
        var options = new TransportOptions { RetryJitter = 0 };
        change?.Invoke(options);
        return options;
    }

    [Fact]
    public void The_wait_starts_at_300_seconds_doubles_and_stops_at_4000()
    {
        var schedule = new RetrySchedule(NoJitter());

        Enumerable.Range(1, 8).Select(n => schedule.Backoff(n).TotalSeconds).ShouldBe([300, 600, 1200, 2400, 4000, 4000, 4000, 4000]);
        schedule.Backoff(int.MaxValue).ShouldBe(TimeSpan.FromSeconds(4000));
        Should.Throw<ArgumentOutOfRangeException>(() => schedule.Backoff(0));
    }

    [Fact]
    public void Without_jitter_the_next_attempt_is_now_plus_the_backoff()
    {
        var schedule = new RetrySchedule(NoJitter());
        var now = Queued.AddMinutes(7);

        var decision = schedule.AfterFailure(Queued, 3, now, isDsn: false);

        decision.Expired.ShouldBeFalse();
        decision.NextAttempt.ShouldBe(now.AddSeconds(1200));
        decision.ExpiresAt.ShouldBe(Queued.AddDays(5));
    }

    [Fact]
    public void Jitter_stays_within_its_fraction_and_repeats_under_the_same_seed()
    {
        var options = new TransportOptions { RetryJitter = 0.1 };
        var first = new RetrySchedule(options, new Random(42));
        var second = new RetrySchedule(options, new Random(42));

        var waits = Enumerable.Range(0, 200).Select(_ => first.AfterFailure(Queued, 1, Queued, false).NextAttempt - Queued).ToList();
        var again = Enumerable.Range(0, 200).Select(_ => second.AfterFailure(Queued, 1, Queued, false).NextAttempt - Queued).ToList();

        waits.ShouldBe(again);
        waits.ShouldAllBe(w => w >= TimeSpan.FromSeconds(270) && w <= TimeSpan.FromSeconds(330));
        waits.Distinct().Count().ShouldBeGreaterThan(100);
    }

    [Fact]
    public void A_message_expires_after_five_days_with_one_last_attempt_at_the_deadline()
    {
        var schedule = new RetrySchedule(NoJitter());
        var expiry = Queued.AddDays(5);

        var beforeDeadline = schedule.AfterFailure(Queued, 40, expiry.AddSeconds(-100), isDsn: false);
        beforeDeadline.Expired.ShouldBeFalse();
        beforeDeadline.NextAttempt.ShouldBe(expiry);

        var atDeadline = schedule.AfterFailure(Queued, 41, expiry, isDsn: false);
        atDeadline.Expired.ShouldBeTrue();
        RetrySchedule.ExpiredStatus.ShouldBe("4.4.7");
    }

    [Fact]
    public void A_dsn_gives_up_after_one_day()
    {
        var schedule = new RetrySchedule(NoJitter());

        schedule.ExpiresAt(Queued, isDsn: true).ShouldBe(Queued.AddDays(1));
        schedule.AfterFailure(Queued, 10, Queued.AddDays(1), isDsn: true).Expired.ShouldBeTrue();
        schedule.AfterFailure(Queued, 10, Queued.AddDays(1), isDsn: false).Expired.ShouldBeFalse();
    }

    [Fact]
    public void A_zero_lifetime_bounces_at_the_first_temporary_failure() =>
        new RetrySchedule(NoJitter(o => o.MaximalQueueLifetime = TimeSpan.Zero)).AfterFailure(Queued, 1, Queued, false).Expired.ShouldBeTrue();

    [Fact]
    public void Following_the_schedule_on_a_fake_clock_ends_at_the_deadline()
    {
        var clock = new ManualTimeProvider(Queued);
        var schedule = new RetrySchedule(new TransportOptions(), new Random(7), clock);
        var attempts = 1;
        var previous = Queued;
        RetryDecision decision;
        while (!(decision = schedule.AfterFailure(Queued, attempts, isDsn: false)).Expired)
        {
            decision.NextAttempt.ShouldBeGreaterThan(previous);
            (decision.NextAttempt - clock.GetUtcNow()).ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(4400));
            clock.Advance(decision.NextAttempt - clock.GetUtcNow());
            previous = decision.NextAttempt;
            attempts++;
            attempts.ShouldBeLessThan(1000);
        }

        clock.GetUtcNow().ShouldBe(Queued.AddDays(5));

        // 4500 s for the first four waits, then about 4000 s each: some 108 attempts over five days.
        attempts.ShouldBeInRange(100, 120);
    }

    [Fact]
    public void Delay_warnings_are_off_by_default()
    {
        var schedule = new RetrySchedule(new TransportOptions());

        schedule.IsDelayWarningDue(Queued, Queued.AddDays(2), warningSent: false, isDsn: false).ShouldBeFalse();
    }

    [Fact]
    public void A_delay_warning_is_due_once_after_its_time_and_never_for_a_dsn()
    {
        var clock = new ManualTimeProvider(Queued);
        var schedule = new RetrySchedule(new TransportOptions { DelayWarningAfter = TimeSpan.FromHours(4) }, clock: clock);

        clock.Advance(TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1));
        schedule.IsDelayWarningDue(Queued, warningSent: false, isDsn: false).ShouldBeFalse();
        clock.Advance(TimeSpan.FromSeconds(1));
        schedule.IsDelayWarningDue(Queued, warningSent: false, isDsn: false).ShouldBeTrue();
        schedule.IsDelayWarningDue(Queued, warningSent: true, isDsn: false).ShouldBeFalse();
        schedule.IsDelayWarningDue(Queued, warningSent: false, isDsn: true).ShouldBeFalse();
        schedule.IsDelayWarningDue(Queued, Queued.AddDays(5), warningSent: false, isDsn: false).ShouldBeFalse();
    }

    [Theory]
    [InlineData(0, 4000, 0.1)]
    [InlineData(300, 200, 0.1)]
    [InlineData(300, 4000, 0.9)]
    [InlineData(300, 4000, -0.1)]
    public void Options_that_make_no_schedule_are_refused(int minimal, int maximal, double jitter) =>
        Should.Throw<ArgumentException>(() => new RetrySchedule(new TransportOptions
        {
            MinimalBackoff = TimeSpan.FromSeconds(minimal),
            MaximalBackoff = TimeSpan.FromSeconds(maximal),
            RetryJitter = jitter,
        }));
}
