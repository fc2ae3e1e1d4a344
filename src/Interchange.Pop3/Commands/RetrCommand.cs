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
        Stream body;
        try
        {
            body = session.Services.Blobs.OpenRead(message.Blob);
        }
        catch (FileNotFoundException)
        {
            session.Services.Logger.LogError("POP3 {Id}: message {Uid} names a blob that is missing", session.Id, message.Uid);
            session.Error("[SYS/PERM] The message content is missing");
            return;
        }

        await using (body.ConfigureAwait(false))
        {
            session.Transport.Output.Write(Encoding.ASCII.GetBytes(topLines is null ? $"+OK {message.Size} octets\r\n" : "+OK\r\n"));
            var stuffer = new DotStuffer();
            var top = topLines is { } n ? new TopFilter(n) : null;
            void Emit(ReadOnlySpan<byte> data)
            {
                var take = top?.Take(data) ?? data.Length;
                stuffer.Write(data[..take], session.Transport.Output);
            }

            Emit(message.Prefix);
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);

            // A multi-line answer cannot carry an -ERR: a stop ends it without its final dot, which the client reads as cut off.
            session.TransferStarted($"{(topLines is null ? "RETR" : "TOP")} {found.Number}", "the client sees the answer end without its final dot; nothing is deleted");
            try
            {
                int read;
                // The session's token: a revoked or stopping session ends mid-transfer too.
                while (top is not { IsDone: true } && (read = await body.ReadAsync(buffer, session.Control.Token).ConfigureAwait(false)) > 0)
                {
                    Emit(buffer.AsSpan(0, read));
                    await session.Transport.Output.FlushAsync(session.Control.Token).ConfigureAwait(false);
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
