using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Interchange.Smtp.Milter.Protocol;

namespace Interchange.Smtp.Milter;

/// <summary>
/// The socket to one milter: writes built packets, reads whole packets within the size limits.
/// Timeouts come from the caller's token (the session's deadline); a cancelled read or write
/// leaves the stream out of step, so the caller drops the transport after one.
/// </summary>
internal sealed class MilterTransport : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private int _disposed;

    private MilterTransport(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 65536, leaveOpen: true));
    }

    /// <summary>Connects to the first of the endpoint's addresses that answers.</summary>
    public static async Task<MilterTransport> ConnectAsync(MilterEndpoint endpoint, CancellationToken cancellationToken)
    {
        var targets = await endpoint.ResolveAsync(cancellationToken).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var target in targets)
        {
            var socket = target is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }; // one small packet each way per stage: Nagle would wait for the ACK
            try
            {
                await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
                return new MilterTransport(socket);
            }
            catch (SocketException e)
            {
                last = e;
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>For logs: where the connection goes.</summary>
    public EndPoint? Remote => _socket.RemoteEndPoint;

    public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        _stream.WriteAsync(data, cancellationToken);

    /// <summary>Reads one packet. A packet announcing more than the limit for its command, an empty
    /// packet, or the milter closing the connection is an error.</summary>
    public async ValueTask<MilterPacket> ReceiveAsync(long maxData, long maxReplaceBody, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = MilterPacketReader.TryRead(ref buffer, maxData, maxReplaceBody, out var packet);
            switch (status)
            {
                case MilterPacketStatus.Complete:
                    _reader.AdvanceTo(buffer.Start);
                    return packet;
                case MilterPacketStatus.NeedMore when !result.IsCompleted && !result.IsCanceled:
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                case MilterPacketStatus.NeedMore:
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                    throw new IOException(buffer.IsEmpty ? "the milter closed the connection" : "the milter closed the connection within a packet");
                case MilterPacketStatus.Empty:
                    throw new MilterProtocolException("a packet of length 0");
                default:
                    throw new MilterProtocolException("a packet larger than allowed");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already gone.
        }
        catch (ObjectDisposedException)
        {
        }

        await _reader.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
