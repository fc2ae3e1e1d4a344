using System.Text;

namespace Interchange.Smtp.Protocol;

/// <summary>
/// Watches a message's bytes go by and counts the <c>Received:</c> fields of its header
/// section, for loop detection (RFC 5321 6.3) without parsing the message. Resumable over
/// buffers split anywhere; folded continuation lines start with white space and never match.
/// </summary>
public sealed class HeaderTraceCounter
{
    private static readonly byte[] s_received = "Received:"u8.ToArray();
    private readonly byte[] _prefix = new byte[9];
    private int _prefixLength;
    private bool _checked;
    private bool _lineEmpty = true;
    private bool _inHeader = true;

    public int ReceivedCount { get; private set; }

    public void Observe(ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < data.Length && _inHeader; i++)
        {
            var b = data[i];
            if (b == '\n')
            {
                // A line with nothing but CR before its LF ends the header section.
                _inHeader = !_lineEmpty;
                _lineEmpty = true;
                _prefixLength = 0;
                _checked = false;
                continue;
            }

            if (b != '\r')
            {
                _lineEmpty = false;
            }

            if (!_checked)
            {
                _prefix[_prefixLength++] = b;
                if (_prefixLength == _prefix.Length)
                {
                    _checked = true;
                    if (Ascii.EqualsIgnoreCase(_prefix, s_received))
                    {
                        ReceivedCount++;
                    }
                }
            }
        }
    }
}
