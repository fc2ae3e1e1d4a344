namespace Interchange.Core.Net;

/// <summary>
/// The slowest a client may send a long transfer (Kestrel's <c>MinRequestBodyDataRate</c>): after
/// <see cref="GracePeriod"/> of reading, the bytes received must average at least
/// <see cref="BytesPerSecond"/>. Only time spent waiting for the client counts, not the server's own work.
/// </summary>
public readonly record struct MinDataRate
{
    public MinDataRate(double bytesPerSecond, TimeSpan gracePeriod)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(gracePeriod, TimeSpan.Zero);
        BytesPerSecond = bytesPerSecond;
        GracePeriod = gracePeriod;
    }

    public double BytesPerSecond { get; }

    public TimeSpan GracePeriod { get; }

    /// <summary>The rate for options where 0 (or less) turns it off.</summary>
    public static MinDataRate? FromOptions(double bytesPerSecond, TimeSpan gracePeriod) =>
        bytesPerSecond > 0 ? new MinDataRate(bytesPerSecond, gracePeriod) : null;
}
