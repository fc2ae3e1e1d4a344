namespace Interchange.Transport.Dns;

/// <summary>A TLSA record's data (RFC 6698 2.1): certificate usage, selector, matching type and the
/// certificate association data.</summary>
public sealed record DnsTlsaRecord(byte CertificateUsage, byte Selector, byte MatchingType, ReadOnlyMemory<byte> Data);
