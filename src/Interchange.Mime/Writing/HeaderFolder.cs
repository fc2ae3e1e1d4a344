using System.Text;

namespace Interchange.Mime.Writing;

/// <summary>
/// Builds one header field, folding before a token when the line would pass the limit
/// (RFC 5322 §2.2.3: fold only where whitespace is). A token longer than a line is written
/// whole; it cannot be folded.
/// </summary>
internal sealed class HeaderFolder
{
    private readonly StringBuilder _text = new();
    private readonly int _maxLineLength;
    private int _lineLength;
    private bool _lineHasToken;

    public HeaderFolder(string name, int maxLineLength)
    {
        // A name with a colon, space or line break would let a caller's text forge fields.
        if (name.Length == 0 || !name.All(c => c is > ' ' and < (char)127 and not ':'))
        {
            throw new ArgumentException($"'{name}' is not a header field name (RFC 5322 §3.6.8).", nameof(name));
        }

        _maxLineLength = maxLineLength;
        _text.Append(name).Append(':');
        _lineLength = name.Length + 1;
    }

    /// <summary>Adds a token preceded by <paramref name="whitespace"/> (a fold point when not empty).</summary>
    public void Add(string token, string whitespace = " ")
    {
        if (whitespace.Length > 0 && _lineHasToken && _lineLength + whitespace.Length + token.Length > _maxLineLength)
        {
            _text.Append("\r\n");
            _lineLength = 0;
        }

        _text.Append(whitespace).Append(token);
        _lineLength += whitespace.Length + token.Length;
        _lineHasToken = true;
    }

    /// <summary>The field with its final CRLF.</summary>
    public override string ToString() => _text + "\r\n";
}
