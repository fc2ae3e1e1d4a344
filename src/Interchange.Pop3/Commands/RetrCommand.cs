using System.Buffers;
using System.Text;
using Interchange.Core.Net;
using Interchange.Pop3.Protocol;
using Interchange.Pop3.Session;
using Microsoft.Extensions.Logging;

namespace Interchange.Pop3.Commands;

/// <summary>RETR (RFC 1939 5): the whole message, byte-stuffed, streamed from its blob; TOP sends part of it the same way.</summary>
internal static class RetrCommand
{
    public static ValueTask ExecuteAsync(Pop3Session session, string argument) => SendAsync(session, argument, null);

    /// <summary>RETR (all of it) or TOP (header + <paramref name="topLines"/> body lines), byte-stuffed.</summary>
    public static async ValueTask SendAsync(Pop3Session session, string argument, int? topLines)
    {
        if (session.Message(argument) is not { } found)
        {
            return;
        }

        var message = found.Message;
        var content = session.Services.Contents.Open(message);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        int read;
        try
        {
            // The first read before +OK: missing content is answered with -ERR, not a cut-off answer.
            read = await content.ReadAsync(0, buffer, session.Control.Token).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            session.Services.Logger.LogError("POP3 {Id}: message {Uid} names content that is missing", session.Id, message.Uid);
            session.Error("[SYS/PERM] The message content is missing");
            ArrayPool<byte>.Shared.Return(buffer);
            await content.DisposeAsync().ConfigureAwait(false);
            return;
        }

        await using (content.ConfigureAwait(false))
        {
            session.Transport.Output.Write(Encoding.ASCII.GetBytes(topLines is null ? $"+OK {message.Size} octets\r\n" : "+OK\r\n"));
            var stuffer = new DotStuffer();
            var top = topLines is { } n ? new TopFilter(n) : null;
            void Emit(ReadOnlySpan<byte> data)
            {
                var take = top?.Take(data) ?? data.Length;
                stuffer.Write(data[..take], session.Transport.Output);
            }

            // A multi-line answer cannot carry an -ERR: a stop ends it without its final dot, which the client reads as cut off.
            session.TransferStarted($"{(topLines is null ? "RETR" : "TOP")} {found.Number}", "the client sees the answer end without its final dot; nothing is deleted");
            try
            {
                // The session's token: a revoked or stopping session ends mid-transfer too.
                var offset = 0L;
                while (read > 0)
                {
                    Emit(buffer.AsSpan(0, read));
                    await session.Transport.Output.FlushAsync(session.Control.Token).ConfigureAwait(false);
                    offset += read;
                    if (top is { IsDone: true })
                    {
                        break;
                    }

                    read = await content.ReadAsync(offset, buffer, session.Control.Token).ConfigureAwait(false);
                }
            }
            finally
            {
                session.TransferEnded();
                ArrayPool<byte>.Shared.Return(buffer);
            }

            stuffer.Complete(session.Transport.Output);
        }
    }
}
