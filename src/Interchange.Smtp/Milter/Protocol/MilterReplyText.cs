using System.Text;
using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Milter.Protocol;

/// <summary>
/// The SMTP reply a milter gives with SMFIR_REPLYCODE (<c>smfi_setreply</c>, <c>smfi_setmlreply</c>):
/// <c>550 5.7.1 text</c>, or several lines <c>550-5.7.1 first\r\n550 5.7.1 last</c>, NUL-terminated.
/// </summary>
internal static class MilterReplyText
{
    /// <summary>The lines of one reply a milter may give (libmilter's smfi_setmlreply allows 32).</summary>
    public const int MaxLines = 32;

    /// <summary>Parses the reply. The code must be 4xx or 5xx and the same on every line (RFC 5321
    /// 4.2.1); an enhanced status code (RFC 3463) whose class differs from the code's is dropped;
    /// without one, X.7.1 (a policy refusal) is used. Sendmail reads the text as a format string, so
    /// milters double their <c>%</c>; as Postfix does, <c>%%</c> becomes <c>%</c> and a lone <c>%</c> goes.</summary>
    public static SmtpReply Parse(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOf((byte)0);
        var text = Encoding.UTF8.GetString(end >= 0 ? data[..end] : data);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0)
        {
            throw new MilterProtocolException("an empty SMFIR_REPLYCODE");
        }

        if (lines.Count > MaxLines)
        {
            throw new MilterProtocolException($"an SMFIR_REPLYCODE of {lines.Count} lines (at most {MaxLines})");
        }

        int? code = null;
        string? enhanced = null;
        var texts = new List<string>();
        foreach (var line in lines)
        {
            if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])
                || (line.Length > 3 && line[3] is not (' ' or '-')))
            {
                throw new MilterProtocolException($"a malformed SMFIR_REPLYCODE line '{Printable(line)}'");
            }

            var lineCode = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
            if (lineCode is < 400 or > 599 || (code is not null && code != lineCode))
            {
                throw new MilterProtocolException($"SMFIR_REPLYCODE {lineCode}: a filter's reply must be 4xx or 5xx, the same on every line");
            }

            code = lineCode;
            var rest = line.Length > 4 ? line[4..] : string.Empty;
            var space = rest.IndexOf(' ');
            var first = space < 0 ? rest : rest[..space];
            if (IsEnhancedCode(first))
            {
                if (first[0] == line[0])
                {
                    enhanced ??= first;
                }

                rest = space < 0 ? string.Empty : rest[(space + 1)..];
            }

            texts.Add(Printable(Unpercent(rest)));
        }

        var replyCode = code!.Value;
        if (texts.TrueForAll(t => t.Length == 0))
        {
            texts = [replyCode >= 500 ? "Command rejected" : "Service unavailable - try again later"];
        }

        return new SmtpReply(replyCode, enhanced ?? (replyCode >= 500 ? "5.7.1" : "4.7.1"), texts);
    }

    /// <summary>RFC 3463 2: class "." subject "." detail, 1-3 digits each.</summary>
    private static bool IsEnhancedCode(string token)
    {
        var parts = token.Split('.');
        return parts.Length == 3 && parts[0] is "2" or "4" or "5"
            && parts[1].Length is >= 1 and <= 3 && parts[1].All(char.IsAsciiDigit)
            && parts[2].Length is >= 1 and <= 3 && parts[2].All(char.IsAsciiDigit);
    }

    private static string Unpercent(string text)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '%')
            {
                result.Append(text[i]);
            }
            else if (i + 1 < text.Length && text[i + 1] == '%')
            {
                result.Append('%');
                i++;
            }
        }

        return result.ToString();
    }

    /// <summary>A reply line goes to the client: no control characters.</summary>
    private static string Printable(string text) =>
        text.Any(char.IsControl) ? new string(text.Where(c => !char.IsControl(c)).ToArray()) : text;
}
