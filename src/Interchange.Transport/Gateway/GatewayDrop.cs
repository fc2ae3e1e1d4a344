using System.Buffers;
using System.Globalization;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;

namespace Interchange.Transport.Gateway;

/// <summary>
/// Writes messages for a foreign system into its drop folder, each once as
/// <c>&lt;queue id&gt;.eml</c>: the envelope fields, then the message, written to a temporary
/// file in <c>.tmp</c>, fsynced, renamed into place and the folder fsynced. A retry of the same
/// message (its outcome lost in a crash) writes the same name again and replaces the file rather
/// than adding a second one; the foreign system sees a file only once it is whole.
/// </summary>
public sealed class GatewayDrop
{
    private readonly string _folder;
    private readonly string _temporary;

    public GatewayDrop(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        _folder = Path.GetFullPath(folder);
        _temporary = Path.Combine(_folder, ".tmp");
        System.IO.Directory.CreateDirectory(_temporary);
    }

    /// <summary>The file a queued message is written to.</summary>
    public string PathOf(long queueId) => Path.Combine(_folder, queueId.ToString(CultureInfo.InvariantCulture) + ".eml");

    /// <summary>Writes (or rewrites) the message's file durably; returns its path.</summary>
    public async Task<string> WriteAsync(long queueId, GatewayEnvelope envelope, MessageContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(content);
        var final = PathOf(queueId);
        var temporary = Path.Combine(_temporary, $"{queueId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}");
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await file.WriteAsync(envelope.Format(), cancellationToken).ConfigureAwait(false);
                var buffer = ArrayPool<byte>.Shared.Rent(81920);
                try
                {
                    long offset = 0;
                    int read;
                    while ((read = await content.ReadAsync(offset, buffer.AsMemory(), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        offset += read;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, final, overwrite: true);
            DirectorySync.Flush(_folder);
            return final;
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover in .tmp is never taken for a message by the foreign system.
        }
    }
}
