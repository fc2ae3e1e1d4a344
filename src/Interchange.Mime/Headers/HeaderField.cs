namespace Interchange.Mime.Headers;

/// <summary>
/// One header field as it appears in the message: its exact bytes (folding and the final line
/// break included), where it starts, and its decoded forms on demand.
/// </summary>
public sealed class HeaderField
{
    private readonly byte[] _raw;
    private readonly int _valueStart;
    private string? _text;
    private string? _value;

    internal HeaderField(string name, byte[] raw, int valueStart, long offset, long length)
    {
        Name = name;
        _raw = raw;
        _valueStart = valueStart;
        Offset = offset;
        Length = length;
    }

    /// <summary>The field name as written (without trailing whitespace); compare with <see cref="Is"/>.</summary>
    public string Name { get; }

    /// <summary>Absolute offset of the field's first byte in the message.</summary>
    public long Offset { get; }

    /// <summary>The field's length in the message, folding and line break included (even when <see cref="IsTruncated"/>).</summary>
    public long Length { get; }

    /// <summary>The field's bytes exactly as in the message; only the first <see cref="Parsing.MimeParserOptions.MaxHeaderFieldBytes"/> when truncated.</summary>
    public ReadOnlyMemory<byte> Raw => _raw;

    /// <summary>The bytes after the colon, folding and line break included.</summary>
    public ReadOnlyMemory<byte> RawValue => _raw.AsMemory(_valueStart);

    /// <summary>True when the field was longer than the parser kept.</summary>
    public bool IsTruncated => _raw.Length < Length;

    /// <summary>
    /// The value unfolded and trimmed, 8-bit bytes read as UTF-8 or Latin-1, encoded words left
    /// as written: what IMAP ENVELOPE and BODYSTRUCTURE carry.
    /// </summary>
    public string Text => _text ??= HeaderText.Unfold(HeaderText.DecodeRaw(_raw.AsSpan(_valueStart)));

    /// <summary><see cref="Text"/> with RFC 2047 encoded words decoded: for display and for unstructured fields such as Subject.</summary>
    public string Value => _value ??= HeaderText.DecodeEncodedWords(Text);

    public bool Is(string name) => string.Equals(Name, name, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{Name}: {Text}";
}
