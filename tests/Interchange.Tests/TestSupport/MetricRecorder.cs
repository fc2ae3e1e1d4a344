using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Interchange.Tests.TestSupport;

/// <summary>
/// Records every measurement of one instrument (by name) while it lives, with its tags. The
/// instruments are process-wide, so tests pick out their own measurements by a tag or value only
/// they produce, or assert "at least".
/// </summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measured = new();

    public MetricRecorder(string instrument)
    {
        _listener.InstrumentPublished = (i, l) =>
        {
            if (i.Name == instrument)
            {
                l.EnableMeasurementEvents(i);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) => Add(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, _) => Add(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, _) => Add(value, tags));
        _listener.Start();
    }

    public IReadOnlyList<Measured> All => _measured.ToArray();

    /// <summary>Measurements carrying <paramref name="tag"/> = <paramref name="value"/>.</summary>
    public IReadOnlyList<Measured> With(string tag, string value) =>
        All.Where(m => m.Tags.TryGetValue(tag, out var v) && Equals(v, value)).ToList();

    public void Dispose() => _listener.Dispose();

    private void Add(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measured.Enqueue(new Measured(value, copy));
    }

    public sealed record Measured(double Value, IReadOnlyDictionary<string, object?> Tags);
}
