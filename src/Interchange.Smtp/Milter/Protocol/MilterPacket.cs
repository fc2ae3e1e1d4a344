namespace Interchange.Smtp.Milter.Protocol;

/// <summary>One packet of the milter protocol: a command or reply byte and its data (the 32-bit
/// length that frames it on the wire counts both).</summary>
internal readonly record struct MilterPacket(byte Command, ReadOnlyMemory<byte> Data);
