using System.Text.RegularExpressions;
using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Client;

/// <summary>
/// Builds one reply from its lines (RFC 5321 4.2: <c>NNN-text</c> ... <c>NNN text</c>, or a bare
/// <c>NNN</c>), bounded in lines; a line that breaks the grammar or changes the code in the
/// middle is a protocol error. The enhanced code (RFC 2034) is taken when the text starts with
/// one whose class matches the reply's first digit, and stripped from every line.
/// </summary>
internal sealed partial class SmtpReplyAccumulator(int maxLines)
{
    private readonly List<string> _lines = [];
    private int _code;

    /// <summary>Adds a line; true when it was the last one. Throws <see cref="FormatException"/> on a bad line or too many.</summary>
    public bool Add(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])
            || line[0] < '2' || line[0] > '5' || (line.Length > 3 && line[3] != ' ' && line[3] != '-'))
        {
            throw new FormatException($"malformed reply line '{Truncate(line)}'");
        }

        var code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (_lines.Count > 0 && code != _code)
        {
            throw new FormatException($"reply code changed from {_code} to {code} within a multiline reply");
        }

        if (_lines.Count >= maxLines)
        {
            throw new FormatException($"multiline reply longer than {maxLines} lines");
        }

        _code = code;
        _lines.Add(line.Length > 4 ? line[4..] : string.Empty);
        return line.Length == 3 || line[3] == ' ';
    }

    public SmtpReply Build()
    {
        string? enhanced = null;
        var lines = _lines;
        if (lines.Count > 0 && EnhancedCode().Match(lines[0]) is { Success: true } m && m.Groups[1].Value[0] - '0' == _code / 100)
        {
            enhanced = m.Groups[1].Value;
            lines = lines.Select(l => l.StartsWith(enhanced + " ", StringComparison.Ordinal) ? l[(enhanced.Length + 1)..] : l == enhanced ? string.Empty : l).ToList();
        }

        return new SmtpReply(_code, enhanced, lines.ToArray());
    }

    private static string Truncate(string line) => line.Length > 80 ? line[..80] + "..." : line;

    [GeneratedRegex(@"^([245]\.[0-9]{1,3}\.[0-9]{1,3})(?: |$)")]
    private static partial Regex EnhancedCode();
}
