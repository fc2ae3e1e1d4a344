namespace Interchange.Smtp.Milter.Protocol;

/// <summary>What <see cref="MilterPacketReader.TryRead"/> found at the front of a buffer.</summary>
internal enum MilterPacketStatus
{
    /// <summary>A whole packet was taken.</summary>
    Complete,

    /// <summary>Not a whole packet yet.</summary>
    NeedMore,

    /// <summary>A length of zero: not even a command byte (a protocol error).</summary>
    Empty,

    /// <summary>The length announces more data than the limit for its command (a protocol error,
    /// found before any of the data is buffered).</summary>
    TooLarge,
}
