using System.IO.Pipelines;

namespace Interchange.Core.Net;

/// <summary>
/// A connection's output as the protocols write it, timing each flush against the minimum data
/// rate through its <see cref="SessionControl"/>: a flush that waits longer than the rate allows
/// for its bytes ends the session, and is cancelled so the session can go. After the session has
/// ended, a flush (the last BYE, the close) waits at most the grace period for a client that does
/// not read. Wrap the raw transport once: after STARTTLS the TLS stream writes through it.
/// </summary>
public sealed class TimedPipeWriter : PipeWriter
{
    private readonly PipeWriter _inner;
    private readonly SessionControl _control;
    private readonly MinDataRate? _rate;
    private long _unflushed;

    public TimedPipeWriter(PipeWriter inner, SessionControl control, MinDataRate? rate)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(control);
        _inner = inner;
        _control = control;
        _rate = rate;

        // The session ends: a flush waiting for a client that does not read lets go.
        control.Token.Register(static state => ((PipeWriter)state!).CancelPendingFlush(), inner);
    }

    public override void Advance(int bytes)
    {
        _unflushed += bytes;
        _inner.Advance(bytes);
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

    public override void CancelPendingFlush() => _inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        var bytes = _unflushed;
        _unflushed = 0;
        if (_control.HasEnded)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(_rate?.GracePeriod ?? TimeSpan.FromSeconds(5));
            return await _inner.FlushAsync(bounded.Token).ConfigureAwait(false);
        }

        _control.FlushStarting(bytes, _rate);
        FlushResult result;
        try
        {
            result = await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _control.FlushCompleted();
        }

        if (result.IsCanceled && _control.HasEnded)
        {
            throw new OperationCanceledException("the session ended while a flush waited for the client", _control.Token);
        }

        return result;
    }
}
