using System.Buffers.Binary;
using System.Text;

namespace Interchange.Smtp.Milter.Protocol;

/// <summary>Reads the fields of a packet's data: 32-bit big-endian numbers and NUL-terminated strings.
/// A field cut short is a protocol error.</summary>
internal ref struct MilterDataReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public readonly int Remaining => _rest.Length;

    public uint ReadUInt32()
    {
        if (_rest.Length < 4)
        {
            throw new MilterProtocolException("a packet too short for a 32-bit number");
        }

        var value = BinaryPrimitives.ReadUInt32BigEndian(_rest);
        _rest = _rest[4..];
        return value;
    }

    /// <summary>The bytes up to the next NUL (which is consumed).</summary>
    public ReadOnlySpan<byte> ReadStringBytes()
    {
        var end = _rest.IndexOf((byte)0);
        if (end < 0)
        {
            throw new MilterProtocolException("a string without its NUL terminator");
        }

        var value = _rest[..end];
        _rest = _rest[(end + 1)..];
        return value;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadStringBytes());

    /// <summary>Whatever is left, without a terminator (SMFIR_REPLYCODE, SMFIR_QUARANTINE tolerate either).</summary>
    public ReadOnlySpan<byte> ReadRest()
    {
        var value = _rest;
        _rest = default;
        return value;
    }

    /// <summary>Insists the packet had nothing more (Postfix treats left-over data as an error too).</summary>
    public readonly void End()
    {
        if (!_rest.IsEmpty)
        {
            throw new MilterProtocolException($"{_rest.Length} unexpected bytes at the end of a packet");
        }
    }
}
