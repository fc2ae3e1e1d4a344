using System.Text;

namespace Interchange.Directory.Import;

/// <summary>
/// Lines of a text (LF or CRLF, RFC 2849's SEP) with a bound: a line longer than the limit is
/// reported as too long and its text is dropped as it streams past, so a hostile file of one huge
/// line costs the buffer, not its size.
/// </summary>
internal sealed class BoundedLineReader(TextReader reader, int maxLength)
{
    private readonly char[] _buffer = new char[16 * 1024];
    private readonly StringBuilder _line = new();
    private int _position;
    private int _length;
    private bool _eof;

    /// <summary>The first character of the line last returned ('\0' if empty), known even when its text was dropped.</summary>
    public char FirstChar { get; private set; }

    /// <summary>Number of the line last returned (1-based).</summary>
    public int LineNumber { get; private set; }

    /// <summary>The next line without its end; null at the end of the input. <paramref name="tooLong"/>: the text was dropped.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken, Action<bool>? tooLong = null)
    {
        _line.Clear();
        var dropped = false;
        var any = false;
        FirstChar = '\0';
        while (true)
        {
            if (_position == _length)
            {
                if (_eof)
                {
                    break;
                }

                _length = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                _position = 0;
                if (_length == 0)
                {
                    _eof = true;
                    break;
                }
            }

            any = true;
            var span = _buffer.AsSpan(_position, _length - _position);
            var end = span.IndexOf('\n');
            var chunk = end < 0 ? span : span[..end];
            if (FirstChar == '\0' && chunk.Length > 0 && _line.Length == 0 && !dropped)
            {
                FirstChar = chunk[0];
            }
            if (!dropped)
            {
                if (_line.Length + chunk.Length > maxLength + 1)
                {
                    dropped = true;
                    _line.Clear();
                }
                else
                {
                    _line.Append(chunk);
                }
            }

            _position += end < 0 ? span.Length : end + 1;
            if (end >= 0)
            {
                return Finish(dropped, tooLong);
            }
        }

        return any ? Finish(dropped, tooLong) : null;
    }

    /// <summary>The next character without taking it; -1 at the end of the input.</summary>
    public ValueTask<int> PeekAsync(CancellationToken cancellationToken) =>
        _position < _length ? ValueTask.FromResult<int>(_buffer[_position]) : PeekSlowAsync(cancellationToken);

    private async ValueTask<int> PeekSlowAsync(CancellationToken cancellationToken)
    {
        if (_position == _length)
        {
            if (_eof)
            {
                return -1;
            }

            _length = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            _position = 0;
            if (_length == 0)
            {
                _eof = true;
                return -1;
            }
        }

        return _buffer[_position];
    }

    /// <summary>Passes over the next line without keeping any of it (the rest of a value already refused); without allocating when the line is in the buffer.</summary>
    public ValueTask SkipLineAsync(CancellationToken cancellationToken)
    {
        var end = _buffer.AsSpan(_position, _length - _position).IndexOf('\n');
        if (end < 0)
        {
            return SkipLineSlowAsync(cancellationToken);
        }

        _position += end + 1;
        LineNumber++;
        return ValueTask.CompletedTask;
    }

    private async ValueTask SkipLineSlowAsync(CancellationToken cancellationToken)
    {
        while (await PeekAsync(cancellationToken).ConfigureAwait(false) >= 0)
        {
            var end = _buffer.AsSpan(_position, _length - _position).IndexOf('\n');
            if (end >= 0)
            {
                _position += end + 1;
                break;
            }

            _position = _length;
        }

        LineNumber++;
    }

    private string Finish(bool dropped, Action<bool>? tooLong)
    {
        LineNumber++;
        tooLong?.Invoke(dropped);
        if (dropped)
        {
            return string.Empty;
        }

        if (_line.Length > 0 && _line[^1] == '\r')
        {
            _line.Length--;
        }

        return _line.ToString();
    }
}
