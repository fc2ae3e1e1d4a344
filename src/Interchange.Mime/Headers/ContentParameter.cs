namespace Interchange.Mime.Headers;

/// <summary>
/// One Content-Type or Content-Disposition parameter after RFC 2231 reassembly and decoding.
/// <see cref="Charset"/> and <see cref="Language"/> are set when the value came in RFC 2231
/// extended form (<c>name*=charset'lang'%XX</c>).
/// </summary>
public sealed record ContentParameter(string Name, string Value, string? Charset = null, string? Language = null)
{
    /// <summary>The value's bytes before charset decoding (for a boundary, the bytes to match on the wire).</summary>
    internal byte[]? RawBytes { get; init; }
}
