using System.Buffers.Binary;
using System.Text;

namespace Interchange.Smtp.Milter.Protocol;

/// <summary>
/// Builds packets for the milter into one growing buffer, so the macros and the command of a stage
/// (or a run of headers the milter does not answer) leave in one write. Strings are written as the
/// protocol's C strings: UTF-8 with a NUL after; a NUL inside one would end it early and shift
/// every field after it, so NULs are left out.
/// </summary>
internal sealed class MilterPacketWriter
{
    private byte[] _buffer = new byte[4096];
    private int _count;
    private int _packetStart = -1;

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _count);

    public int Length => _count;

    public void Clear()
    {
        _count = 0;
        _packetStart = -1;
    }

    /// <summary>Starts a packet; its length is filled in by <see cref="End"/>.</summary>
    public MilterPacketWriter Begin(byte command)
    {
        if (_packetStart >= 0)
        {
            throw new InvalidOperationException("a packet is already open");
        }

        _packetStart = _count;
        Reserve(4).Clear();
        _count += 4;
        return WriteByte(command);
    }

    public void End()
    {
        if (_packetStart < 0)
        {
            throw new InvalidOperationException("no packet is open");
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_packetStart, 4), (uint)(_count - _packetStart - 4));
        _packetStart = -1;
    }

    /// <summary>A packet with no data (SMFIC_DATA, SMFIC_EOH, SMFIC_BODYEOB, SMFIC_ABORT, SMFIC_QUIT).</summary>
    public void Write(byte command) => Begin(command).End();

    public MilterPacketWriter WriteByte(byte value)
    {
        Reserve(1)[0] = value;
        _count++;
        return this;
    }

    public MilterPacketWriter WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);
        _count += 2;
        return this;
    }

    public MilterPacketWriter WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);
        _count += 4;
        return this;
    }

    public MilterPacketWriter WriteString(string value)
    {
        var span = Reserve(Encoding.UTF8.GetMaxByteCount(value.Length) + 1);
        var count = RemoveNuls(span[..Encoding.UTF8.GetBytes(value, span)]);
        span[count] = 0;
        _count += count + 1;
        return this;
    }

    /// <summary>Bytes as a C string (a header value as stored).</summary>
    public MilterPacketWriter WriteString(ReadOnlySpan<byte> value)
    {
        var span = Reserve(value.Length + 1);
        value.CopyTo(span);
        var count = RemoveNuls(span[..value.Length]);
        span[count] = 0;
        _count += count + 1;
        return this;
    }

    /// <summary>Raw bytes (a body chunk).</summary>
    public MilterPacketWriter WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(Reserve(value.Length));
        _count += value.Length;
        return this;
    }

    private Span<byte> Reserve(int size)
    {
        if (_buffer.Length - _count < size)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _count + size));
        }

        return _buffer.AsSpan(_count, size);
    }

    private static int RemoveNuls(Span<byte> span)
    {
        if (!span.Contains((byte)0))
        {
            return span.Length;
        }

        var kept = 0;
        foreach (var b in span)
        {
            if (b != 0)
            {
                span[kept++] = b;
            }
        }

        return kept;
    }
}
