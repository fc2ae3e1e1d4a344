using System.Buffers;
using System.Security.Cryptography;
using Interchange.Storage.Blobs;

namespace Interchange.Storage.Content;

/// <summary>
/// Receives a message as it streams in (SMTP DATA, BDAT): up to <c>inlineLimit</c> bytes stay in
/// pooled memory, so a small message can be written into the database in the transaction that
/// queues it (one durable write per message); the first byte beyond the limit spills everything
/// into a file blob, which is fsynced at commit as before.
/// </summary>
public sealed class SpillingContentWriter(IBlobStore blobs, int inlineLimit) : IBlobWriter
{
    /// <summary>The default of <c>Storage:InlineMessageSize</c>.</summary>
    public const int DefaultInlineLimit = 64 * 1024;

    private byte[]? _buffer;
    private int _buffered;
    private IBlobWriter? _file;
    private bool _done;

    public long Length => _file?.Length ?? _buffered;

    /// <summary>True while everything written fits within the inline limit.</summary>
    public bool IsInline => _file is null;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_file is null && (long)_buffered + data.Length <= inlineLimit)
        {
            _buffer ??= ArrayPool<byte>.Shared.Rent(Math.Max(inlineLimit, 1));
            data.Span.CopyTo(_buffer.AsSpan(_buffered));
            _buffered += data.Length;
            return;
        }

        if (_file is null)
        {
            _file = blobs.BeginWrite();
            if (_buffered > 0)
            {
                await _file.WriteAsync(_buffer.AsMemory(0, _buffered), cancellationToken).ConfigureAwait(false);
            }

            ReturnBuffer();
        }

        await _file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A seekable reader of the content written so far, before it is staged: the SMTP filters
    /// read the message they judge. Valid until the next write, the stage or the dispose.
    /// </summary>
    public Stream OpenWritten()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        return _file switch
        {
            null => new MemoryStream(_buffer ?? [], 0, _buffered, writable: false),
            FileBlobWriter file => file.OpenWritten(),
            _ => throw new NotSupportedException($"{_file.GetType().Name} cannot be read before its commit"),
        };
    }

    /// <summary>
    /// Finishes the content: a spilled message is fsynced as a file blob; a small one is handed
    /// back as bytes, for the caller to write in its queue transaction (it is not durable yet).
    /// </summary>
    public async Task<StagedContent> StageAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (_file is not null)
        {
            return new StagedContent(await _file.CommitAsync(cancellationToken).ConfigureAwait(false), null);
        }

        var bytes = _buffer.AsSpan(0, _buffered).ToArray();
        return new StagedContent(new BlobRef(BlobId.FromHash(SHA256.HashData(bytes)), bytes.Length), bytes);
    }

    /// <summary>The blob contract: durable when it returns, so a small message is written out as a file here.</summary>
    public async Task<BlobRef> CommitAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (_file is null)
        {
            _file = blobs.BeginWrite();
            await _file.WriteAsync(_buffer.AsMemory(0, _buffered), cancellationToken).ConfigureAwait(false);
            ReturnBuffer();
        }

        return await _file.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        ReturnBuffer();
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _buffered = 0;
    }
}
