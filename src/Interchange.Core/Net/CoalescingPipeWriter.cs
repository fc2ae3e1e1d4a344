using System.Buffers;
using System.IO.Pipelines;

namespace Interchange.Core.Net;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over a <see cref="PipeWriter"/> that hands the pipe its
/// bytes a block at a time instead of one advance per token. A
/// response writer emits a token at a time (an atom, a space, a number); a transport pipe takes
/// its lock on every advance, and while the socket is sending an earlier flush the two contend
/// on that lock for every token. What has been written reaches the pipe at
/// <see cref="Commit"/> or <see cref="FlushAsync"/>; nothing written is dropped.
/// </summary>
public sealed class CoalescingPipeWriter(PipeWriter pipe) : IBufferWriter<byte>
{
    private Memory<byte> _chunk;
    private int _used;

    public PipeWriter Pipe { get; } = pipe ?? throw new ArgumentNullException(nameof(pipe));

    /// <summary>Bytes written but not yet handed to the pipe.</summary>
    public int Pending => _used;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_used + count > _chunk.Length)
        {
            throw new InvalidOperationException("Advanced past the buffer handed out.");
        }

        _used += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _chunk[_used..];
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _chunk.Span[_used..];
    }

    /// <summary>Hands what has been written to the pipe (without flushing it).</summary>
    public void Commit()
    {
        if (_used > 0)
        {
            Pipe.Advance(_used);
        }

        _chunk = default;
        _used = 0;
    }

    /// <summary>Commits and flushes the pipe.</summary>
    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        Commit();
        return Pipe.FlushAsync(cancellationToken);
    }

    private void Ensure(int sizeHint)
    {
        var need = Math.Max(sizeHint, 1);
        if (_chunk.Length - _used >= need)
        {
            return;
        }

        Commit();
        _chunk = Pipe.GetMemory(need); // what the pipe's current block has left (transports pool 4 KiB blocks)
    }
}
