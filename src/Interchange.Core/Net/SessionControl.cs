namespace Interchange.Core.Net;

/// <summary>
/// When and why one session must end (Kestrel's <c>TimeoutControl</c>): absolute deadlines (login,
/// next command, SMTP transaction), a minimum data rate for long transfers, and ends pushed from
/// outside (credentials revoked, server stopping). Everything is computed from timestamps of an
/// injectable clock; nothing here owns a timer: <see cref="SessionHeartbeat"/> calls
/// <see cref="Tick(long)"/> for all sessions, and a test calls it with a fake clock. The session
/// reads with <see cref="Token"/>, one token for its whole life, and on cancellation asks
/// <see cref="Reason"/> what to tell the client. Setters are called by the session's one loop;
/// the heartbeat thread only reads (each value is one field or an immutable object).
/// </summary>
public sealed class SessionControl : IDisposable
{
    private const int DeadlineKinds = 3;

    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _end = new();
    private readonly long[] _deadlines = [long.MaxValue, long.MaxValue, long.MaxValue];
    private readonly List<CancellationTokenRegistration> _registrations = []; // touched by the session's flow only
    private readonly Action<SessionControl>? _onDispose;
    private RateTiming? _rate;
    private long _flushDeadline = long.MaxValue;
    private int _reason;
    private int _disposed;

    public SessionControl(TimeProvider? clock = null, CancellationToken connectionClosed = default, CancellationToken stopping = default)
        : this(clock, null, connectionClosed, stopping)
    {
    }

    internal SessionControl(TimeProvider? clock, Action<SessionControl>? onDispose, CancellationToken connectionClosed, CancellationToken stopping)
    {
        _clock = clock ?? TimeProvider.System;
        _onDispose = onDispose;
        EndWhen(SessionEndReason.ConnectionClosed, connectionClosed);
        EndWhen(SessionEndReason.ServerStopping, stopping);
    }

    /// <summary>"SMTP", "IMAP", "POP3" (null for a control not opened by a session).</summary>
    public string? Protocol { get; private set; }

    /// <summary>The session's id, as its log lines name it.</summary>
    public string? Id { get; private set; }

    public System.Net.IPAddress? Client { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>The user logged in on the session (its key), null before a login. Set by the session's flow, read by the admin API.</summary>
    public string? User
    {
        get => Volatile.Read(ref field);
        set => Volatile.Write(ref field, value);
    }

    /// <summary>Names the session for the session list (admin API <c>sessions</c>, as <c>doveadm who</c>); called once, by its constructor.</summary>
    public void Describe(string protocol, string id, System.Net.IPAddress client)
    {
        Protocol = protocol;
        Id = id;
        Client = client;
        StartedAt = _clock.GetUtcNow();
    }

    /// <summary>Cancelled when the session must end, for whatever <see cref="Reason"/>.</summary>
    public CancellationToken Token => _end.Token;

    public SessionEndReason Reason => (SessionEndReason)Volatile.Read(ref _reason);

    public bool HasEnded => Reason != SessionEndReason.None;

    /// <summary>
    /// Sets a deadline <paramref name="after"/> from now: <see cref="SessionEndReason.LoginTimeout"/>,
    /// <see cref="SessionEndReason.CommandTimeout"/> or <see cref="SessionEndReason.TransactionTimeout"/>.
    /// It stays where it is however many bytes arrive; set it again to move it.
    /// </summary>
    public void SetDeadline(SessionEndReason kind, TimeSpan after)
    {
        var ticks = after >= TimeSpan.FromDays(3650) ? long.MaxValue : _clock.GetTimestamp() + (long)(after.TotalSeconds * _clock.TimestampFrequency);
        Volatile.Write(ref _deadlines[Slot(kind)], ticks);
    }

    public void ClearDeadline(SessionEndReason kind) => Volatile.Write(ref _deadlines[Slot(kind)], long.MaxValue);

    /// <summary>Starts timing a transfer against <paramref name="rate"/> (null: no rate, the call does nothing).</summary>
    public void StartDataRate(MinDataRate? rate)
    {
        if (rate is { } r)
        {
            Volatile.Write(ref _rate, new RateTiming(r, 0, 0, false, 0));
        }
    }

    public void StopDataRate() => Volatile.Write(ref _rate, null);

    /// <summary>Bytes counted for the transfer being timed (0 when none is).</summary>
    internal long TimedBytes => Volatile.Read(ref _rate)?.Bytes ?? 0;

    /// <summary>True while a transfer is being timed.</summary>
    public bool IsTimingDataRate => Volatile.Read(ref _rate) is not null;

    /// <summary>The transport is about to wait for the client; the wait counts against the rate.</summary>
    public void ReadStarting()
    {
        if (Volatile.Read(ref _rate) is { Reading: false } rate)
        {
            Volatile.Write(ref _rate, rate with { Reading = true, ReadingSince = _clock.GetTimestamp() });
        }
    }

    /// <summary>A wait ended with <paramref name="bytes"/> new bytes (also for bytes found already buffered).</summary>
    public void ReadCompleted(long bytes)
    {
        if (Volatile.Read(ref _rate) is { } rate)
        {
            var waited = rate.Reading ? _clock.GetTimestamp() - rate.ReadingSince : 0;
            Volatile.Write(ref _rate, rate with { Bytes = rate.Bytes + bytes, ReadTicks = rate.ReadTicks + waited, Reading = false });
        }
    }

    /// <summary>
    /// A flush of <paramref name="bytes"/> is about to wait for the client to take them: it must
    /// complete within the grace period or the time <paramref name="rate"/> allows for that many
    /// bytes, whichever is longer (Kestrel's <c>MinResponseDataRate</c>). A client that stops
    /// reading a long transfer (POP3 RETR, IMAP FETCH) is cut off like one that stops sending.
    /// </summary>
    public void FlushStarting(long bytes, MinDataRate? rate)
    {
        if (rate is { } r)
        {
            var allowed = Math.Max(r.GracePeriod.TotalSeconds, bytes / r.BytesPerSecond);
            Volatile.Write(ref _flushDeadline, _clock.GetTimestamp() + (long)(allowed * _clock.TimestampFrequency));
        }
    }

    public void FlushCompleted() => Volatile.Write(ref _flushDeadline, long.MaxValue);

    /// <summary>Ends the session when <paramref name="token"/> is cancelled (at once if it already is). Called by the session's own flow.</summary>
    public void EndWhen(SessionEndReason reason, CancellationToken token)
    {
        if (!token.CanBeCanceled)
        {
            return;
        }

        var registration = token.Register(static state =>
        {
            var (control, why) = ((SessionControl, SessionEndReason))state!;
            control.End(why);
        }, (this, reason));
        if (Volatile.Read(ref _disposed) != 0)
        {
            registration.Dispose();
            return;
        }

        _registrations.Add(registration);
    }

    /// <summary>Ends the session now; the first reason given is kept. False when it had already ended.</summary>
    public bool End(SessionEndReason reason)
    {
        if (reason == SessionEndReason.None || Interlocked.CompareExchange(ref _reason, (int)reason, 0) != 0)
        {
            return false;
        }

        _end.Cancel();
        return true;
    }

    /// <summary>Checks the deadlines and the rate at the clock's current time.</summary>
    public void Tick() => Tick(_clock.GetTimestamp());

    /// <summary>Checks the deadlines and the rate at <paramref name="now"/> (a timestamp of the clock).</summary>
    public void Tick(long now)
    {
        if (HasEnded)
        {
            return;
        }

        for (var i = 0; i < DeadlineKinds; i++)
        {
            if (now >= Volatile.Read(ref _deadlines[i]))
            {
                End(Kind(i));
                return;
            }
        }

        if ((Volatile.Read(ref _rate) is { } rate && rate.IsTooSlow(now, _clock.TimestampFrequency)) || now >= Volatile.Read(ref _flushDeadline))
        {
            End(SessionEndReason.DataRateTooLow);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _onDispose?.Invoke(this);
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _registrations.Clear();

        // The token source is not disposed: a heartbeat tick racing this may still cancel it.
    }

    private static int Slot(SessionEndReason kind) => kind switch
    {
        SessionEndReason.LoginTimeout => 0,
        SessionEndReason.CommandTimeout => 1,
        SessionEndReason.TransactionTimeout => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a deadline"),
    };

    private static SessionEndReason Kind(int slot) => slot switch
    {
        0 => SessionEndReason.LoginTimeout,
        1 => SessionEndReason.CommandTimeout,
        _ => SessionEndReason.TransactionTimeout,
    };

    /// <summary>Bytes and waiting time of the transfer being timed; replaced whole, so a tick sees a consistent pair.</summary>
    private sealed record RateTiming(MinDataRate Rate, long Bytes, long ReadTicks, bool Reading, long ReadingSince)
    {
        public bool IsTooSlow(long now, long frequency)
        {
            var waited = ReadTicks + (Reading ? now - ReadingSince : 0);
            var seconds = (double)waited / frequency;
            return seconds > Rate.GracePeriod.TotalSeconds && Bytes < Rate.BytesPerSecond * seconds;
        }
    }
}
