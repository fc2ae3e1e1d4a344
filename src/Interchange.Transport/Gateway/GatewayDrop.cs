using System.Buffers;
using System.Globalization;
using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;

namespace Interchange.Transport.Gateway;

/// <summary>
/// Writes messages for a foreign system into its drop folder, each (message, recipient domain)
/// once as <c>&lt;queue id&gt;-&lt;domain&gt;.eml</c>: the envelope fields, then the message,
/// written to a temporary file in <c>.tmp</c>, fsynced, renamed into place and the folder
/// fsynced. A retry of the same batch (its outcome lost in a crash) writes the same name again and
/// replaces the file rather than adding a second one; the domain keeps apart the batches of one
/// message (the queue claims by domain, so a message to two of the gateway's domains is two
/// attempts, each with its own recipients). The foreign system sees a file only once it is whole
/// (docs/GATEWAY.md).
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
        try
        {
            System.IO.Directory.CreateDirectory(_temporary);
            RemoveLeftovers();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not fatal here: each write tries again, and a failing one defers with the reason.
        }
    }

    /// <summary>The folder files are written to.</summary>
    public string Folder => _folder;

    /// <summary>The name a batch is written under: its queue id and recipient domain, the domain's characters other than <c>[a-z0-9._-]</c> as <c>%XX</c> of their UTF-8 bytes (so no two domains share a name, and none makes a path).</summary>
    public static string FileNameOf(long queueId, string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var name = new StringBuilder(queueId.ToString(CultureInfo.InvariantCulture)).Append('-');
        foreach (var b in Encoding.UTF8.GetBytes(domain.ToLowerInvariant()))
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'.' or (byte)'-' or (byte)'_')
            {
                name.Append((char)b);
            }
            else
            {
                name.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return name.Append(".eml").ToString();
    }

    /// <summary>The file a batch (queued message, recipient domain) is written to.</summary>
    public string PathOf(long queueId, string domain) => Path.Combine(_folder, FileNameOf(queueId, domain));

    /// <summary>Writes (or rewrites) the batch's file durably; returns its path.</summary>
    /// <exception cref="IOException">The folder is missing, full or unwritable: nothing was written under the final name.</exception>
    public async Task<string> WriteAsync(long queueId, string domain, GatewayEnvelope envelope, MessageContent content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(content);
        var final = PathOf(queueId, domain);
        var temporary = Path.Combine(_temporary, $"{queueId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}");
        if (!System.IO.Directory.Exists(_temporary) && System.IO.Directory.Exists(_folder))
        {
            // Someone tidied .tmp away; the folder itself is not recreated (an unmounted share
            // would fill the disk under it).
            System.IO.Directory.CreateDirectory(_temporary);
        }

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

    /// <summary>Temporary files of writes a crash cut short: never renamed, so nobody else knows of them.</summary>
    private void RemoveLeftovers()
    {
        var before = DateTime.UtcNow - TimeSpan.FromHours(1); // an hour: a write of this or another node may still run
        foreach (var file in System.IO.Directory.EnumerateFiles(_temporary))
        {
            if (File.GetLastWriteTimeUtc(file) < before)
            {
                TryDelete(file);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover in .tmp is never taken for a message by the foreign system.
        }
    }
}
