namespace Interchange.Mime.Encodings;

/// <summary>
/// A streaming, lenient quoted-printable decoder (RFC 2045 §6.7): <c>=XX</c> escapes in either
/// case, soft line breaks (<c>=</c> before CRLF, bare LF or bare CR, also with whitespace
/// between), and an <c>=</c> that starts no valid escape is kept as literal text. Line breaks
/// and trailing whitespace are passed through unchanged. Any split of the input gives the
/// same output.
/// </summary>
public sealed class QuotedPrintableDecoder
{
    // An '=' followed by more whitespace than this is not a soft break anyone wrote; stop
    // buffering and pass it through.
    private const int MaxPendingWhitespace = 64;

    private readonly byte[] _whitespace = new byte[MaxPendingWhitespace];
    private State _state;
    private byte _firstHex;
    private int _whitespaceCount;

    private enum State
    {
        Normal,
        AfterEquals,
        AfterFirstHex,
        AfterEqualsWhitespace,
        AfterEqualsCr,
    }

    /// <summary>The destination size that <see cref="Decode(ReadOnlySpan{byte}, Span{byte})"/> needs for a source of this length.</summary>
    public static int MaxDecodedLength(int sourceLength) => sourceLength + MaxPendingWhitespace + 4;

    /// <summary>Decodes a whole buffer.</summary>
    public static byte[] Decode(ReadOnlySpan<byte> source)
    {
        var decoder = new QuotedPrintableDecoder();
        var output = new byte[MaxDecodedLength(source.Length)];
        var written = decoder.Decode(source, output);
        written += decoder.Flush(output.AsSpan(written));
        return output.AsSpan(0, written).ToArray();
    }

    public int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < MaxDecodedLength(source.Length))
        {
            throw new ArgumentException("The destination is shorter than MaxDecodedLength(source.Length).", nameof(destination));
        }

        var written = 0;
        var i = 0;
        while (i < source.Length)
        {
            var b = source[i];
            switch (_state)
            {
                case State.Normal:
                {
                    // Fast path: copy everything up to the next '='.
                    var rest = source[i..];
                    var equals = rest.IndexOf((byte)'=');
                    var run = equals < 0 ? rest : rest[..equals];
                    run.CopyTo(destination[written..]);
                    written += run.Length;
                    i += run.Length;
                    if (equals >= 0)
                    {
                        _state = State.AfterEquals;
                        i++;
                    }

                    continue;
                }

                case State.AfterEquals:
                    if (HexValue(b) >= 0)
                    {
                        _firstHex = b;
                        _state = State.AfterFirstHex;
                    }
                    else if (b == '\n')
                    {
                        _state = State.Normal;
                    }
                    else if (b == '\r')
                    {
                        _state = State.AfterEqualsCr;
                    }
                    else if (b is (byte)' ' or (byte)'\t')
                    {
                        _whitespace[0] = b;
                        _whitespaceCount = 1;
                        _state = State.AfterEqualsWhitespace;
                    }
                    else
                    {
                        destination[written++] = (byte)'=';
                        _state = State.Normal;
                        continue; // b is ordinary text: reread it in Normal
                    }

                    break;

                case State.AfterFirstHex:
                    if (HexValue(b) >= 0)
                    {
                        destination[written++] = (byte)((HexValue(_firstHex) << 4) | HexValue(b));
                        _state = State.Normal;
                        break;
                    }

                    destination[written++] = (byte)'=';
                    destination[written++] = _firstHex;
                    _state = State.Normal;
                    continue;

                case State.AfterEqualsWhitespace:
                    if (b is (byte)' ' or (byte)'\t')
                    {
                        if (_whitespaceCount < MaxPendingWhitespace)
                        {
                            _whitespace[_whitespaceCount++] = b;
                            break;
                        }
                    }
                    else if (b == '\n')
                    {
                        _state = State.Normal;
                        break;
                    }
                    else if (b == '\r')
                    {
                        _state = State.AfterEqualsCr;
                        break;
                    }

                    written += EmitEqualsAndWhitespace(destination[written..]);
                    _state = State.Normal;
                    continue;

                case State.AfterEqualsCr:
                    _state = State.Normal;
                    if (b == '\n')
                    {
                        break;
                    }

                    continue; // "=" + bare CR is a soft break too; b starts the next line
            }

            i++;
        }

        return written;
    }

    /// <summary>Ends the input: an escape left open at the end is emitted as literal text.</summary>
    public int Flush(Span<byte> destination)
    {
        var written = 0;
        switch (_state)
        {
            case State.AfterEquals:
                destination[written++] = (byte)'=';
                break;
            case State.AfterFirstHex:
                destination[written++] = (byte)'=';
                destination[written++] = _firstHex;
                break;
            case State.AfterEqualsWhitespace:
                written += EmitEqualsAndWhitespace(destination);
                break;
        }

        Reset();
        return written;
    }

    public void Reset()
    {
        _state = State.Normal;
        _whitespaceCount = 0;
    }

    private int EmitEqualsAndWhitespace(Span<byte> destination)
    {
        destination[0] = (byte)'=';
        _whitespace.AsSpan(0, _whitespaceCount).CopyTo(destination[1..]);
        var written = 1 + _whitespaceCount;
        _whitespaceCount = 0;
        return written;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };
}
