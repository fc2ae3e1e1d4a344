namespace Interchange.Pop3.Protocol;

/// <summary>
/// TOP msg n (RFC 1939 7): the header, the blank line after it, then the first n lines of the
/// body. Feed the message in chunks; <see cref="Take"/> says how much of each chunk to send.
/// </summary>
public sealed class TopFilter(int bodyLines)
{
    private bool _inHeader = true;
    private bool _lineEmpty = true;
    private int _bodyLinesLeft = bodyLines;

    public bool IsDone { get; private set; }

    /// <summary>How many bytes of <paramref name="data"/> belong in the response.</summary>
    public int Take(ReadOnlySpan<byte> data)
    {
        if (IsDone)
        {
            return 0;
        }

        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (b != '\n')
            {
                if (b != '\r')
                {
                    _lineEmpty = false;
                }

                continue;
            }

            if (_inHeader)
            {
                if (_lineEmpty)
                {
                    _inHeader = false;
                    if (_bodyLinesLeft == 0)
                    {
                        IsDone = true;
                        return i + 1;
                    }
                }
            }
            else if (--_bodyLinesLeft == 0)
            {
                IsDone = true;
                return i + 1;
            }

            _lineEmpty = true;
        }

        return data.Length;
    }
}
