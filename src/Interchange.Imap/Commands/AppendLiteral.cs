using System.Buffers;
using System.IO.Pipelines;
using Interchange.Core.Net;
using Interchange.Imap.Protocol;
using Interchange.Storage.Blobs;

namespace Interchange.Imap.Session;

/// <summary>APPEND's message literal, streamed from the connection into a blob as it arrives (never held whole).</summary>
internal sealed partial class ImapSession
{
    // Before login nobody needs a big literal (RFC 9051 7.5); pre-login literals are small or refused.
    private const long PreLoginLiteralLimit = 8192;

    /// <summary>The literal of the command being read and the blob it went to; APPEND takes it.</summary>
    private (ImapValue Value, BlobRef Blob)? _streamedLiteral;

    /// <summary>APPENDLIMIT (RFC 7889): the largest message APPEND takes.</summary>
    internal long AppendLimit => _services.Options.MaxAppendSize;

    /// <summary>
    /// After <see cref="ImapReadStatus.StreamLiteral"/>: refuses the literal before it is sent when it
    /// is over APPENDLIMIT (synchronizing: <c>NO [TOOBIG]</c> and no "+"; non-synchronizing, already
    /// on its way: <c>BAD [TOOBIG]</c> and its bytes discarded as they come, RFC 7888 §4, or the
    /// connection closed when even discarding would be too much), else copies its bytes into a blob.
    /// </summary>
    private async ValueTask ReceiveLiteralAsync(ImapReadResult literal)
    {
        _streamedLiteral = null;
        var length = literal.LiteralLength;
        var tag = literal.Tag ?? "*";
        var loggedIn = State != ImapState.NotAuthenticated;
        string? refusal = !loggedIn ? "Log in first"
            : length > _services.Options.MaxAppendSize ? $"Message larger than APPENDLIMIT={_services.Options.MaxAppendSize}"
            : null;
        var code = loggedIn ? ImapResponseCode.TooBig : null;
        if (refusal is not null)
        {
            if (!literal.NonSynchronizing)
            {
                var none = ReadOnlySequence<byte>.Empty;
                _parser.RefuseContinuation(ref none);
                _out.Tagged(tag, loggedIn ? ImapStatus.No : ImapStatus.Bad, refusal, code);
                return;
            }

            var discardable = loggedIn ? _parser.Options.MaxDiscardedLiteralSize : PreLoginLiteralLimit;
            _out.Tagged(tag, ImapStatus.Bad, refusal, code);
            if (length > discardable)
            {
                _out.UntaggedStatus(ImapStatus.Bye, "Literal too big to skip");
                _closing = true;
                return;
            }

            _parser.SkipLiteral(length);
            return;
        }

        if (!literal.NonSynchronizing)
        {
            _out.Continuation();
        }

        await _output.FlushAsync(ConnectionClosed).ConfigureAwait(false);
        await using var blob = _services.Blobs.BeginWrite();
        var remaining = length;

        // While the message arrives the minimum data rate applies, not the command deadline, and the
        // session's one token (revocation, shutdown) still ends the wait.
        if (_literalRate is not null)
        {
            _inLiteral = true;
            Control.ClearDeadline(SessionEndReason.CommandTimeout);
            Control.StartDataRate(_literalRate);
        }

        TransferStarted("APPEND", "the client is told BYE and the message is not kept");
        try
        {
            while (remaining > 0)
            {
                ReadResult read;
                try
                {
                    read = await Transport.Input.ReadAsync(Control.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ConnectionClosed.IsCancellationRequested)
                {
                    _out.UntaggedStatus(ImapStatus.Bye, EndText());
                    _closing = true;
                    return;
                }

                var take = read.Buffer.Slice(0, Math.Min(remaining, read.Buffer.Length));
                foreach (var segment in take)
                {
                    await blob.WriteAsync(segment, ConnectionClosed).ConfigureAwait(false);
                }

                remaining -= take.Length;
                Transport.Input.AdvanceTo(take.End);
                if (remaining > 0 && read.IsCompleted)
                {
                    throw new IOException("The connection closed inside an APPEND literal");
                }
            }
        }
        finally
        {
            TransferEnded();
        }

        CommandDone(); // the rest of the command line has the command deadline again
        _streamedLiteral = (literal.Literal!, await blob.CommitAsync(ConnectionClosed).ConfigureAwait(false));
    }
}
