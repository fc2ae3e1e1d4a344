using System.Collections.Concurrent;

namespace Interchange.Core.Net;

/// <summary>
/// One timer for every session of the process (Kestrel's <c>Heartbeat</c>): each beat checks all
/// open <see cref="SessionControl"/>s against one timestamp. A session costs a dictionary entry,
/// not a timer or a linked token source per read; deadlines are met to within one interval.
/// </summary>
public sealed class SessionHeartbeat : IDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<SessionControl, byte> _sessions = new();
    private readonly ITimer? _timer;
    private int _beating;

    /// <summary>A heartbeat on <paramref name="clock"/>; with <paramref name="start"/> false no timer runs and the caller calls <see cref="Beat"/>.</summary>
    public SessionHeartbeat(TimeProvider? clock = null, TimeSpan? interval = null, bool start = true)
    {
        _clock = clock ?? TimeProvider.System;
        if (start)
        {
            var period = interval ?? DefaultInterval;
            _timer = _clock.CreateTimer(static state => ((SessionHeartbeat)state!).Beat(), this, period, period);
        }
    }

    /// <summary>Sessions open now.</summary>
    public int Count => _sessions.Count;

    /// <summary>The sessions open now (a moment's picture: one may end while it is read); end one with <see cref="SessionControl.End"/>.</summary>
    public IReadOnlyList<SessionControl> Sessions => [.. _sessions.Keys.Where(c => c.Protocol is not null && !c.HasEnded)];

    /// <summary>A control for a new session, checked at every beat until it is disposed.</summary>
    public SessionControl Open(CancellationToken connectionClosed = default, CancellationToken stopping = default)
    {
        var control = new SessionControl(_clock, c => _sessions.TryRemove(c, out _), connectionClosed, stopping);
        _sessions.TryAdd(control, 0);
        return control;
    }

    /// <summary>Checks every open session now. A beat still running when the next is due is not overlapped.</summary>
    public void Beat()
    {
        if (Interlocked.Exchange(ref _beating, 1) != 0)
        {
            return;
        }

        try
        {
            var now = _clock.GetTimestamp();
            foreach (var control in _sessions.Keys)
            {
                try
                {
                    control.Tick(now);
                }
                catch (AggregateException)
                {
                    // A callback on the session's token threw; that session's end is already
                    // recorded, and the beat must go on for the others.
                }
            }
        }
        finally
        {
            Volatile.Write(ref _beating, 0);
        }
    }

    public void Dispose() => _timer?.Dispose();
}
