using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Interchange.Web.WebConsole;

/// <summary>
/// Listens to the server's instruments (a <see cref="MeterListener"/> on meters <c>Interchange.*</c>)
/// and keeps hourly counts for the last 24 hours, for the dashboard's chart and figures. No lock
/// (ARCHITECTURE.md section 4): 24 slots, each holding an immutable-keyed bucket of
/// <see cref="Interlocked"/> counters; a new hour replaces its slot's bucket by compare-and-swap,
/// so a measurement lands in exactly one bucket and is never lost to a race.
/// </summary>
public sealed class DashboardStatistics : IDisposable
{
    public const string AcceptedInstrument = "interchange.messages.accepted";
    public const string OutcomesInstrument = "interchange.delivery.outcomes";
    public const string BouncesInstrument = "interchange.bounces.sent";
    public const string ConnectionsInstrument = "interchange.connections";
    public const string AuthFailuresInstrument = "interchange.auth.failures";

    private const int HoursKept = 24;
    private static readonly int s_seriesCount = Enum.GetValues<DashboardSeries>().Length;

    private readonly TimeProvider _clock;
    private readonly Func<Instrument, bool> _accept;
    private readonly MeterListener _listener = new();
    private readonly Bucket?[] _slots = new Bucket?[HoursKept];
    private readonly long[] _totals = new long[s_seriesCount];
    private readonly ConcurrentDictionary<string, StrongBox> _connections = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _since;
    private long _late;

    /// <param name="clock">The clock that says which hour a measurement belongs to.</param>
    /// <param name="accept">Which instruments to listen to (default: meters named <c>Interchange.*</c>); tests pass their own meter.</param>
    public DashboardStatistics(TimeProvider? clock = null, Func<Instrument, bool>? accept = null)
    {
        _clock = clock ?? TimeProvider.System;
        _accept = accept ?? (i => i.Meter.Name.StartsWith("Interchange.", StringComparison.Ordinal));
        _since = _clock.GetUtcNow();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_accept(instrument) && instrument.Name is AcceptedInstrument or OutcomesInstrument or BouncesInstrument or ConnectionsInstrument or AuthFailuresInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument.Name, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument.Name, value, tags));
        _listener.Start();
    }

    /// <summary>Measurements that arrived for an hour already replaced (more than 24 hours late); counted in the totals only.</summary>
    public long LateMeasurements => Interlocked.Read(ref _late);

    /// <summary>Adds <paramref name="value"/> to a series in the current hour (what the listener does; public for tests and other sources).</summary>
    public void Add(DashboardSeries series, long value)
    {
        Interlocked.Add(ref _totals[(int)series], value);
        var hour = _clock.GetUtcNow().ToUnixTimeSeconds() / 3600;
        var slot = (int)(hour % HoursKept);
        while (true)
        {
            var bucket = Volatile.Read(ref _slots[slot]);
            if (bucket is not null && bucket.Hour == hour)
            {
                Interlocked.Add(ref bucket.Counts[(int)series], value);
                return;
            }

            if (bucket is not null && bucket.Hour > hour)
            {
                // A measurement read its clock a day before the slot moved on: never overwrite a newer hour.
                Interlocked.Increment(ref _late);
                return;
            }

            // The slot still holds an hour of a day ago (or nothing): replace it. A loser of the
            // race finds the winner's bucket for this hour on its next read and adds there.
            Interlocked.CompareExchange(ref _slots[slot], new Bucket(hour, s_seriesCount), bucket);
        }
    }

    /// <summary>The last 24 hours (ending with the current one), the totals and the connections, as of now.</summary>
    public DashboardSnapshot Snapshot()
    {
        _listener.RecordObservableInstruments();
        var now = _clock.GetUtcNow().ToUnixTimeSeconds() / 3600;
        var hours = new List<DashboardHour>(HoursKept);
        for (var hour = now - HoursKept + 1; hour <= now; hour++)
        {
            var bucket = Volatile.Read(ref _slots[(int)(hour % HoursKept)]);
            var counts = new long[s_seriesCount];
            if (bucket is not null && bucket.Hour == hour)
            {
                for (var i = 0; i < counts.Length; i++)
                {
                    counts[i] = Interlocked.Read(ref bucket.Counts[i]);
                }
            }

            hours.Add(new DashboardHour(DateTimeOffset.FromUnixTimeSeconds(hour * 3600), counts));
        }

        var totals = new long[s_seriesCount];
        for (var i = 0; i < totals.Length; i++)
        {
            totals[i] = Interlocked.Read(ref _totals[i]);
        }

        var connections = _connections.ToDictionary(c => c.Key, c => Interlocked.Read(ref c.Value.Value), StringComparer.Ordinal);
        return new DashboardSnapshot(hours, totals, connections, _since);
    }

    public void Dispose() => _listener.Dispose();

    private void Record(string instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        switch (instrument)
        {
            case AcceptedInstrument:
                Add(DashboardSeries.Accepted, value);
                break;
            case BouncesInstrument:
                Add(DashboardSeries.Bounces, value);
                break;
            case AuthFailuresInstrument:
                Add(DashboardSeries.AuthFailures, value);
                break;
            case OutcomesInstrument:
                var outcome = Tag(tags, "outcome");
                DashboardSeries? series = outcome switch
                {
                    "delivered" => DashboardSeries.Delivered,
                    "deferred" => DashboardSeries.Deferred,
                    "failed" or "expired" => DashboardSeries.Failed,
                    _ => null,
                };
                if (series is { } known)
                {
                    Add(known, value);
                }

                break;
            case ConnectionsInstrument:
                var box = _connections.GetOrAdd(Tag(tags, "protocol") ?? "unknown", _ => new StrongBox());
                Interlocked.Add(ref box.Value, value);
                break;
        }
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }

    /// <summary>One hour's counters; the hour never changes, so a holder can add to it without checking again.</summary>
    private sealed class Bucket(long hour, int series)
    {
        public long Hour { get; } = hour;

        public long[] Counts { get; } = new long[series];
    }

    private sealed class StrongBox
    {
        public long Value;
    }
}
