using System.IO.Pipelines;

namespace Interchange.Core.Net;

/// <summary>Ends a connection's pipes at the end of a session: what is buffered is sent if the peer is still there.</summary>
public static class PipeClosing
{
    public static async ValueTask CloseQuietlyAsync(PipeReader reader, PipeWriter writer)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(writer);
        try
        {
            await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
            await reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The peer is already gone.
        }
    }
}
