namespace Interchange.Directory.Security;

/// <summary>
/// A user's credential epoch: bumped on every revocation; contexts remember the generation they
/// were built in. Each generation carries a token cancelled when it ends, so sessions holding an
/// older context are told at once (a push), not only at their next command. Epoch and token are
/// one immutable object swapped atomically: a context can never pair an old epoch with a new
/// token (revoked, yet never cancelled) or the reverse.
/// </summary>
internal sealed class RevocationCell
{
    private Generation _current = new(0);

    public Generation Current => Volatile.Read(ref _current);

    public long Epoch => Current.Epoch;

    /// <summary>Ends the current generation: its token is cancelled, exactly once, by the revocation that replaced it.</summary>
    public void Revoke()
    {
        while (true)
        {
            var current = Current;
            if (Interlocked.CompareExchange(ref _current, new Generation(current.Epoch + 1), current) == current)
            {
                current.End();
                return;
            }
        }
    }

    internal sealed class Generation(long epoch)
    {
        // Never disposed: no timer is attached, and sessions may still register on its token.
        private readonly CancellationTokenSource _ended = new();

        public long Epoch { get; } = epoch;

        public CancellationToken Ended => _ended.Token;

        public void End()
        {
            try
            {
                _ended.Cancel();
            }
            catch (AggregateException)
            {
                // A session's callback threw; the others ran, and the revocation stands.
            }
        }
    }
}
