namespace Interchange.Transport.Bounces;

/// <summary>
/// When to try a deferred recipient again, and when to give up. The wait after the n-th failed
/// attempt is <c>MinimalBackoff × 2^(n−1)</c>, capped at <c>MaximalBackoff</c> (Postfix's
/// 300 s doubling to 4000 s), spread by <c>RetryJitter</c>; a message older than its lifetime
/// (<c>MaximalQueueLifetime</c>, or <c>BounceQueueLifetime</c> for a DSN) expires. The last wait
/// is shortened to end at the expiry, so there is always one attempt at the deadline before the
/// recipient bounces. Pure: every answer depends on its arguments and the seeded random only.
/// </summary>
public sealed class RetrySchedule
{
    /// <summary>RFC 3463 X.4.7: delivery time expired.</summary>
    public const string ExpiredStatus = "4.4.7";

    public const string ExpiredReason = "delivery time expired";

    private readonly TransportOptions _options;
    private readonly Random _random;
    private readonly TimeProvider _clock;

    /// <param name="random">
    /// The jitter's source. Default: <see cref="Random.Shared"/>, safe for the workers that share
    /// one schedule. A seeded one makes the schedule repeatable and is for one caller at a time
    /// (tests): <see cref="Random"/> is not thread-safe, and draws from several callers would not
    /// repeat in any case.
    /// </param>
    public RetrySchedule(TransportOptions options, Random? random = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MinimalBackoff <= TimeSpan.Zero || options.MaximalBackoff < options.MinimalBackoff)
        {
            throw new ArgumentException("Transport:MinimalBackoff must be positive and at most Transport:MaximalBackoff.", nameof(options));
        }

        if (options.MaximalQueueLifetime < TimeSpan.Zero || options.BounceQueueLifetime < TimeSpan.Zero || options.DelayWarningAfter < TimeSpan.Zero)
        {
            throw new ArgumentException("Transport lifetimes and DelayWarningAfter cannot be negative.", nameof(options));
        }

        if (options.RetryJitter is < 0 or > 0.5 || double.IsNaN(options.RetryJitter))
        {
            throw new ArgumentException("Transport:RetryJitter must be between 0 and 0.5.", nameof(options));
        }

        _options = options;
        _random = random ?? Random.Shared;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The wait after <paramref name="failedAttempts"/> failures, before jitter.</summary>
    public TimeSpan Backoff(int failedAttempts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);

        // Doubling from the minimum; past 2^20 it is capped long before, and the shift stays small.
        var factor = 1L << Math.Min(failedAttempts - 1, 20);
        var ticks = _options.MinimalBackoff.Ticks >= _options.MaximalBackoff.Ticks / factor
            ? _options.MaximalBackoff.Ticks
            : _options.MinimalBackoff.Ticks * factor;
        return TimeSpan.FromTicks(Math.Min(ticks, _options.MaximalBackoff.Ticks));
    }

    /// <summary>When a message first queued at <paramref name="firstQueued"/> gives up.</summary>
    public DateTimeOffset ExpiresAt(DateTimeOffset firstQueued, bool isDsn) =>
        firstQueued + (isDsn ? _options.BounceQueueLifetime : _options.MaximalQueueLifetime);

    /// <summary>The decision after the <paramref name="failedAttempts"/>-th temporary failure, at <paramref name="now"/>.</summary>
    public RetryDecision AfterFailure(DateTimeOffset firstQueued, int failedAttempts, DateTimeOffset now, bool isDsn)
    {
        var expires = ExpiresAt(firstQueued, isDsn);
        if (now >= expires)
        {
            return new RetryDecision(true, now, expires);
        }

        var wait = Backoff(failedAttempts);
        if (_options.RetryJitter > 0)
        {
            var spread = (_random.NextDouble() * 2) - 1;
            wait += TimeSpan.FromTicks((long)(wait.Ticks * _options.RetryJitter * spread));
        }

        var next = now + wait;
        return new RetryDecision(false, next < expires ? next : expires, expires);
    }

    /// <summary><see cref="AfterFailure(DateTimeOffset, int, DateTimeOffset, bool)"/> at the clock's now.</summary>
    public RetryDecision AfterFailure(DateTimeOffset firstQueued, int failedAttempts, bool isDsn) =>
        AfterFailure(firstQueued, failedAttempts, _clock.GetUtcNow(), isDsn);

    /// <summary>
    /// Whether a still-deferred recipient's sender should now get its one "delayed" DSN:
    /// warnings on (<c>DelayWarningAfter</c>), the message at least that old, none sent yet, not a
    /// DSN itself and not expired. Whether the recipient's NOTIFY wants it is <see cref="DsnNotify"/>'s call.
    /// </summary>
    public bool IsDelayWarningDue(DateTimeOffset firstQueued, DateTimeOffset now, bool warningSent, bool isDsn) =>
        _options.DelayWarningAfter is { } after
        && !warningSent
        && !isDsn
        && now - firstQueued >= after
        && now < ExpiresAt(firstQueued, isDsn);

    /// <summary><see cref="IsDelayWarningDue(DateTimeOffset, DateTimeOffset, bool, bool)"/> at the clock's now.</summary>
    public bool IsDelayWarningDue(DateTimeOffset firstQueued, bool warningSent, bool isDsn) =>
        IsDelayWarningDue(firstQueued, _clock.GetUtcNow(), warningSent, isDsn);
}
