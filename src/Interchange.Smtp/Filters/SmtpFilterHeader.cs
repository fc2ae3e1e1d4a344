using System.Text;

namespace Interchange.Smtp.Filters;

/// <summary>
/// One header field of a message at the end of DATA: its name and its value as stored — the
/// bytes after the colon up to the field's final CRLF, folding (CRLF + white space) and the
/// leading space included, so an unchanged field is written back byte for byte (a DKIM signature
/// over it stays valid).
/// </summary>
public sealed class SmtpFilterHeader
{
    public SmtpFilterHeader(string name, ReadOnlyMemory<byte> rawValue)
        : this(name, rawValue, received: false)
    {
    }

    internal SmtpFilterHeader(string name, ReadOnlyMemory<byte> rawValue, bool received)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        RawValue = rawValue;
        IsReceived = received;
    }

    /// <summary>True for a field that came with the message, false for one a filter put there: a
    /// verdict field (<c>X-Spam-Status</c>) counts only when a filter of ours wrote it.</summary>
    public bool IsReceived { get; }

    public string Name { get; }

    public ReadOnlyMemory<byte> RawValue { get; }

    /// <summary>The value as text (UTF-8; RFC 6532 allows it in headers), unfolded is up to the reader.</summary>
    public string Value => Encoding.UTF8.GetString(RawValue.Span);

    /// <summary>A new field <c>Name: value</c>: a value not starting with white space gets one space after the colon.</summary>
    public static SmtpFilterHeader Create(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Length > 0 && value[0] is ' ' or '\t' ? value : " " + value;
        return new SmtpFilterHeader(name, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Whether this is the field <paramref name="name"/> (field names are case-insensitive, RFC 5322 1.2.2).</summary>
    public bool Is(string name) => string.Equals(Name, name, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{Name}:{Value}";
}
