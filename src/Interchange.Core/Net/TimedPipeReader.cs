using System.Buffers;
using System.IO.Pipelines;

namespace Interchange.Core.Net;

/// <summary>
/// A connection's input as the protocols read it, reporting to its <see cref="SessionControl"/>
/// how long each read waited for the client and how many new bytes it brought, so the minimum
/// data rate is enforced in one place for SMTP, POP3 and IMAP whatever each parser does with the
/// bytes. Wrap the raw transport once: after STARTTLS the TLS stream reads through it.
/// </summary>
public sealed class TimedPipeReader(PipeReader inner, SessionControl control) : PipeReader
{
    private ReadOnlySequence<byte> _last;
    private long _unconsumed;

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        control.ReadStarting();
        ReadResult result;
        try
        {
            result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            control.ReadCompleted(0);
            throw;
        }

        return Observe(result);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result))
        {
            return false;
        }

        result = Observe(result);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // What is left unconsumed comes back in the next read and is not new.
        _unconsumed = _last.Slice(consumed).Length;
        _last = default;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private ReadResult Observe(ReadResult result)
    {
        _last = result.Buffer;
        control.ReadCompleted(Math.Max(0, result.Buffer.Length - _unconsumed));
        return result;
    }
}
