using System.Buffers;
using System.Globalization;
using System.Text;

namespace Interchange.Imap.Protocol;

/// <summary>
/// Writes responses as bytes, no I/O: lines are started with <see cref="Untagged"/> and ended
/// with <see cref="EndLine"/>, values in between are separated by spaces automatically
/// (none after "(" or before ")"). Strings take the cheapest form that carries them:
/// atom, quoted, or literal (RFC 3501 §4.3; RFC 9051 §4.3 with UTF8=ACCEPT).
/// </summary>
public sealed class ImapResponseWriter
{
    private readonly IBufferWriter<byte> _output;
    private bool _needSpace;

    public ImapResponseWriter(IBufferWriter<byte> output, bool utf8Accept = false)
    {
        _output = output;
        Utf8Accept = utf8Accept;
    }

    /// <summary>True once the client has sent ENABLE UTF8=ACCEPT: UTF-8 may be quoted instead of sent as a literal.</summary>
    public bool Utf8Accept { get; set; }

    /// <summary>True between <see cref="Untagged"/> and <see cref="EndLine"/>: a response line is half written.</summary>
    public bool InLine { get; private set; }

    /// <summary>Starts an untagged response: "* ".</summary>
    public ImapResponseWriter Untagged()
    {
        Ascii("* ");
        _needSpace = false;
        InLine = true;
        return this;
    }

    /// <summary>A value formatted beforehand by another writer (same <see cref="Utf8Accept"/>), copied as is.</summary>
    public ImapResponseWriter Formatted(ReadOnlySpan<byte> value)
    {
        Separate();
        _output.Write(value);
        _needSpace = true;
        return this;
    }

    /// <summary>A whole continuation request line: "+ text".</summary>
    public void Continuation(string text = "Ready")
    {
        Ascii("+ ");
        Text(text);
        Ascii("\r\n");
        _needSpace = false;
    }

    /// <summary>A whole tagged status line: "tag OK [code] text".</summary>
    public void Tagged(string tag, ImapStatus status, string text, ImapResponseCode? code = null)
    {
        Ascii(tag);
        Ascii(" ");
        StatusLine(status, text, code);
    }

    /// <summary>A whole untagged status line: "* OK [code] text", "* BYE text"...</summary>
    public void UntaggedStatus(ImapStatus status, string text, ImapResponseCode? code = null)
    {
        Ascii("* ");
        StatusLine(status, text, code);
    }

    /// <summary>An atom written as is (FLAGS, \Seen, EXISTS, a capability).</summary>
    public ImapResponseWriter Atom(string atom)
    {
        Separate();
        Ascii(atom);
        return this;
    }

    /// <summary>ASCII written as is, for fetch item names such as BODY[HEADER.FIELDS (From)]&lt;0&gt;.</summary>
    public ImapResponseWriter Raw(string text)
    {
        Separate();
        Ascii(text);
        return this;
    }

    public ImapResponseWriter Number(ulong value)
    {
        Separate();
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        _output.Write(digits[..written]);
        return this;
    }

    public ImapResponseWriter Nil()
    {
        Separate();
        Ascii("NIL");
        return this;
    }

    public ImapResponseWriter BeginList()
    {
        Separate();
        Ascii("(");
        _needSpace = false;
        return this;
    }

    public ImapResponseWriter EndList()
    {
        Ascii(")");
        _needSpace = true;
        return this;
    }

    /// <summary>The next value follows without a space: the grammar's "1*address" and "1*body" have none.</summary>
    public ImapResponseWriter Adjoin()
    {
        _needSpace = false;
        return this;
    }

    /// <summary>A list of atoms: flags, capabilities.</summary>
    public ImapResponseWriter AtomList(IEnumerable<string> atoms)
    {
        BeginList();
        foreach (var atom in atoms)
        {
            Atom(atom);
        }

        return EndList();
    }

    /// <summary>An astring: an atom when it can be one (never "NIL", which would read as nil), else a string.</summary>
    public ImapResponseWriter AString(string value)
    {
        if (value.Length > 0 && IsAtom(value, allowBracket: true) && !value.Equals("NIL", StringComparison.OrdinalIgnoreCase))
        {
            return Atom(value);
        }

        return String(value);
    }

    /// <summary>An nstring: NIL for null.</summary>
    public ImapResponseWriter NString(string? value) => value is null ? Nil() : String(value);

    /// <summary>A string: quoted when it can be, a literal when it holds CR, LF or NUL, or 8-bit without UTF8=ACCEPT.</summary>
    public ImapResponseWriter String(string value)
    {
        var needsLiteral = false;
        foreach (var c in value)
        {
            if (c is '\r' or '\n' or '\0' || (c > 0x7F && !Utf8Accept))
            {
                needsLiteral = true;
                break;
            }
        }

        if (needsLiteral)
        {
            return Literal(Encoding.UTF8.GetBytes(value));
        }

        Separate();
        Ascii("\"");
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] is '"' or '\\')
            {
                Utf8(value.AsSpan(start, i - start));
                Ascii("\\");
                start = i;
            }
        }

        Utf8(value.AsSpan(start));
        Ascii("\"");
        return this;
    }

    /// <summary>
    /// Bytes as a string: quoted when they are text, a literal otherwise; a literal8 (~{n},
    /// RFC 3516) when they hold NUL and <paramref name="binary"/> allows it (BINARY fetches).
    /// </summary>
    public ImapResponseWriter String(ReadOnlySpan<byte> value, bool binary = false)
    {
        if (binary && value.Contains((byte)0))
        {
            return Literal8(value);
        }

        if (value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) >= 0 || (value.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0 && !(Utf8Accept && System.Text.Unicode.Utf8.IsValid(value))))
        {
            return Literal(value);
        }

        return String(Encoding.UTF8.GetString(value));
    }

    public ImapResponseWriter Literal(ReadOnlySpan<byte> value)
    {
        LiteralHeader("{", value.Length);
        _output.Write(value);
        return this;
    }

    public ImapResponseWriter Literal(ReadOnlySequence<byte> value)
    {
        LiteralHeader("{", value.Length);
        foreach (var segment in value)
        {
            _output.Write(segment.Span);
        }

        return this;
    }

    public ImapResponseWriter Literal8(ReadOnlySpan<byte> value)
    {
        LiteralHeader("~{", value.Length);
        _output.Write(value);
        return this;
    }

    /// <summary>
    /// Starts a literal of <paramref name="length"/> bytes (<c>~{n}</c> when <paramref name="literal8"/>)
    /// whose content the caller then writes with <see cref="LiteralContent"/>, a piece at a time:
    /// message content streamed from storage is never held whole.
    /// </summary>
    public ImapResponseWriter BeginLiteral(long length, bool literal8 = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        LiteralHeader(literal8 ? "~{" : "{", length);
        return this;
    }

    /// <summary>Bytes of the literal begun with <see cref="BeginLiteral"/>; the caller writes exactly its length.</summary>
    public void LiteralContent(ReadOnlySpan<byte> bytes) => _output.Write(bytes);

    /// <summary>Ends the response line.</summary>
    public void EndLine()
    {
        Ascii("\r\n");
        _needSpace = false;
        InLine = false;
    }

    // ATOM-CHAR: printable ASCII except atom-specials; ASTRING-CHAR adds "]".
    internal static bool IsAtom(string value, bool allowBracket = false)
    {
        foreach (var c in value)
        {
            if (c is <= ' ' or >= '\x7F' or '(' or ')' or '{' or '%' or '*' or '"' or '\\' || (c == ']' && !allowBracket))
            {
                return false;
            }
        }

        return true;
    }

    private void StatusLine(ImapStatus status, string text, ImapResponseCode? code)
    {
        Ascii(status switch
        {
            ImapStatus.Ok => "OK",
            ImapStatus.No => "NO",
            ImapStatus.Bad => "BAD",
            ImapStatus.PreAuth => "PREAUTH",
            _ => "BYE",
        });
        if (code is not null)
        {
            Ascii(" [");
            Text(code.ToString());
            Ascii("]");
        }

        Ascii(" ");
        Text(text.Length == 0 ? "Done" : text);
        Ascii("\r\n");
        _needSpace = false;
    }

    private void LiteralHeader(string open, long length)
    {
        Separate();
        Ascii(open);
        Ascii(length.ToString(CultureInfo.InvariantCulture));
        Ascii("}\r\n");
    }

    // resp-text is TEXT-CHARs: a CR or LF in it would end the line early and let the rest be read as a response.
    private void Text(string text)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n', '\0') < 0)
        {
            Utf8(text);
            return;
        }

        Utf8(text.Replace('\r', ' ').Replace('\n', ' ').Replace('\0', ' '));
    }

    private void Separate()
    {
        if (_needSpace)
        {
            Ascii(" ");
        }

        _needSpace = true;
    }

    private void Ascii(string text) => Encoding.ASCII.GetBytes(text, _output);

    private void Utf8(ReadOnlySpan<char> text) => Encoding.UTF8.GetBytes(text, _output);
}
