using System.Buffers;
using System.IO.Pipelines;
using Interchange.Core.Net;
using Interchange.Imap.Protocol;
using Interchange.Imap.Session;
using Interchange.Mime.Parsing;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;

namespace Interchange.Imap.Commands;

/// <summary>APPEND's message literal, streamed from the connection into a blob as it arrives (never held whole).</summary>
internal static class AppendLiteral
{
    // Before login nobody needs a big literal (RFC 9051 7.5); pre-login literals are small or refused.
    private const long PreLoginLiteralLimit = 8192;

    /// <summary>
    /// After <see cref="ImapReadStatus.StreamLiteral"/>: refuses the literal before it is sent when it
    /// is over APPENDLIMIT (synchronizing: <c>NO [TOOBIG]</c> and no "+"; non-synchronizing, already
    /// on its way: <c>BAD [TOOBIG]</c> and its bytes discarded as they come, RFC 7888 §4, or the
    /// connection closed when even discarding would be too much), else copies its bytes into a blob.
    /// </summary>
    internal static async ValueTask ReceiveLiteralAsync(ImapSession session, ImapReadResult literal)
    {
        session.StreamedLiteral = null;
        var length = literal.LiteralLength;
        var tag = literal.Tag ?? "*";
        var loggedIn = session.State != ImapState.NotAuthenticated;
        string? refusal = !loggedIn ? "Log in first"
            : length > session.Services.Options.MaxAppendSize ? $"Message larger than APPENDLIMIT={session.Services.Options.MaxAppendSize}"
            : null;
        var code = loggedIn ? ImapResponseCode.TooBig : null;
        if (refusal is not null)
        {
            if (!literal.NonSynchronizing)
            {
                var none = ReadOnlySequence<byte>.Empty;
                session.Parser.RefuseContinuation(ref none);
                session.Out.Tagged(tag, loggedIn ? ImapStatus.No : ImapStatus.Bad, refusal, code);
                return;
            }

            var discardable = loggedIn ? session.Parser.Options.MaxDiscardedLiteralSize : PreLoginLiteralLimit;
            session.Out.Tagged(tag, ImapStatus.Bad, refusal, code);
            if (length > discardable)
            {
                session.Out.UntaggedStatus(ImapStatus.Bye, "Literal too big to skip");
                session.Close();
                return;
            }

            session.Parser.SkipLiteral(length);
            return;
        }

        if (!literal.NonSynchronizing)
        {
            session.Out.Continuation();
        }

        await session.Output.FlushAsync(session.ConnectionClosed).ConfigureAwait(false);
        // Small messages stay in memory and go into the database with the append, as SMTP's do.
        await using var blob = new SpillingContentWriter(session.Services.Blobs, session.Services.InlineMessageSize);
        var parser = new MimeParser(); // parse once, as it arrives: FETCH reads the stored structure
        var remaining = length;

        // While the message arrives the minimum data rate applies, not the command deadline, and the
        // session's one token (revocation, shutdown) still ends the wait.
        if (session.LiteralRate is not null)
        {
            session.InLiteral = true;
            session.Control.ClearDeadline(SessionEndReason.CommandTimeout);
            session.Control.StartDataRate(session.LiteralRate);
        }

        session.TransferStarted("APPEND", "the client is told BYE and the message is not kept");
        try
        {
            while (remaining > 0)
            {
                ReadResult read;
                try
                {
                    read = await session.Transport.Input.ReadAsync(session.Control.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!session.ConnectionClosed.IsCancellationRequested)
                {
                    session.Out.UntaggedStatus(ImapStatus.Bye, session.EndText());
                    session.Close();
                    return;
                }

                var take = read.Buffer.Slice(0, Math.Min(remaining, read.Buffer.Length));
                foreach (var segment in take)
                {
                    parser.Feed(segment.Span);
                    await blob.WriteAsync(segment, session.ConnectionClosed).ConfigureAwait(false);
                }

                remaining -= take.Length;
                session.Transport.Input.AdvanceTo(take.End);
                if (remaining > 0 && read.IsCompleted)
                {
                    throw new IOException("The connection closed inside an APPEND literal");
                }
            }
        }
        finally
        {
            session.TransferEnded();
        }

        session.CommandDone(); // the rest of the command line has the command deadline again
        var staged = await blob.StageAsync(session.ConnectionClosed).ConfigureAwait(false);
        var structure = parser.Complete();
        session.StreamedLiteral = (literal.Literal!, staged, new StoredStructure(staged.Ref.Id, structure.Envelope.MessageId, (int)structure.LimitsHit, StructureCodec.Encode(structure)));
    }
}
