namespace Interchange.Directory.Security;

/// <summary>A user's credential epoch: bumped on every revocation; contexts remember the epoch they were built in.</summary>
internal sealed class RevocationCell
{
    private long _epoch;

    public long Epoch => Interlocked.Read(ref _epoch);

    public void Revoke() => Interlocked.Increment(ref _epoch);
}
