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
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        RawValue = rawValue;
    }

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
