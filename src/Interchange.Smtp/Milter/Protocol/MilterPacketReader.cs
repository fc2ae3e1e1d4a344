using System.Buffers;
using System.Buffers.Binary;

namespace Interchange.Smtp.Milter.Protocol;

/// <summary>
/// Takes packets off the front of received bytes: a 32-bit big-endian length, then that many bytes,
/// the first the command. Resumable: with too few bytes it asks for more and keeps nothing, so the
/// caller reads on and calls again. The length is checked against the limit for its command as
/// soon as the command byte is there, before the data is waited for.
/// </summary>
internal static class MilterPacketReader
{
    /// <summary>Length field plus command byte.</summary>
    public const int HeaderSize = 5;

    /// <param name="buffer">Received bytes; on <see cref="MilterPacketStatus.Complete"/> it is sliced past the packet.</param>
    /// <param name="maxData">Most data bytes any packet but SMFIR_REPLBODY may carry.</param>
    /// <param name="maxReplaceBody">Most data bytes an SMFIR_REPLBODY piece may carry.</param>
    public static MilterPacketStatus TryRead(ref ReadOnlySequence<byte> buffer, long maxData, long maxReplaceBody, out MilterPacket packet)
    {
        packet = default;
        if (buffer.Length < 4)
        {
            return MilterPacketStatus.NeedMore;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        var available = (int)Math.Min(buffer.Length, HeaderSize);
        buffer.Slice(0, available).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length == 0)
        {
            return MilterPacketStatus.Empty;
        }

        if (length - 1 > Math.Max(maxData, maxReplaceBody))
        {
            return MilterPacketStatus.TooLarge;
        }

        if (available < HeaderSize)
        {
            return MilterPacketStatus.NeedMore;
        }

        var command = header[4];
        if (length - 1 > (command == MilterResponse.ReplaceBody ? maxReplaceBody : maxData))
        {
            return MilterPacketStatus.TooLarge;
        }

        if (buffer.Length < 4 + (long)length)
        {
            return MilterPacketStatus.NeedMore;
        }

        var data = buffer.Slice(HeaderSize, length - 1).ToArray();
        buffer = buffer.Slice(4 + (long)length);
        packet = new MilterPacket(command, data);
        return MilterPacketStatus.Complete;
    }
}
