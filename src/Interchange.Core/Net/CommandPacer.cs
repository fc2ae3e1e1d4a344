namespace Interchange.Core.Net;

/// <summary>
/// Paces one session's commands to at most <see cref="Rate"/> per second after a burst of
/// <see cref="Burst"/> (a token bucket computed from timestamps: no timer per session). A client
/// over the rate is not refused; its next command waits until a token is due, so a flood of
/// pipelined commands costs the server no more than the rate allows while a real client, whose
/// bursts are short, never notices. One instance per session, used from its one loop.
/// </summary>
public sealed class CommandPacer
{
    private readonly TimeProvider _clock;
    private readonly double _ticksPerToken;
    private double _tokens;
    private long _last;

    public CommandPacer(int rate, int burst, TimeProvider? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        Rate = rate;
        Burst = burst;
        _clock = clock ?? TimeProvider.System;
        _ticksPerToken = (double)_clock.TimestampFrequency / rate;
        _tokens = burst;
        _last = _clock.GetTimestamp();
    }

    public int Rate { get; }

    public int Burst { get; }

    /// <summary>Commands that had to wait, for the session's log line.</summary>
    public long Delayed { get; private set; }

    /// <summary>Takes a token for the next command: zero when one is at hand, else how long to wait for it (the token is then spent).</summary>
    public TimeSpan Take()
    {
        var now = _clock.GetTimestamp();
        _tokens = Math.Min(Burst, _tokens + ((now - _last) / _ticksPerToken));
        _last = now;
        _tokens -= 1;
        if (_tokens >= 0)
        {
            return TimeSpan.Zero;
        }

        Delayed++;
        return TimeSpan.FromSeconds(-_tokens / Rate);
    }
}
