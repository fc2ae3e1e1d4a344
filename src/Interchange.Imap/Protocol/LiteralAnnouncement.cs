namespace Interchange.Imap.Protocol;

/// <summary>A literal announced at the end of a line; Length is -1 when the digits overflow a 63-bit number.</summary>
internal readonly record struct LiteralAnnouncement(long Length, bool NonSynchronizing, bool Literal8);
