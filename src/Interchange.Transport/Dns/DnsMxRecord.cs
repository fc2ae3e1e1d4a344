namespace Interchange.Transport.Dns;

/// <summary>An MX record's data (RFC 1035 3.3.9). <paramref name="Exchange"/> has no trailing dot;
/// a null MX (RFC 7505) has the exchange ".".</summary>
public sealed record DnsMxRecord(string Exchange, int Preference);
