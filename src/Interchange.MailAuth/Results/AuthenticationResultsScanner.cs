using System.Text;
using MimeKit;

namespace Interchange.MailAuth.Results;

/// <summary>
/// Finds the <c>Authentication-Results</c> fields that claim our authserv-id (RFC 8601 5: a border MTA
/// removes them before adding its own, or readers would trust forged results). Only A-R fields: ARC
/// copies (<c>ARC-Authentication-Results</c>) are sealed and must stay. The authserv-id is read past
/// comments and white space (CFWS), quoted or not, and compared without regard to case; a field whose
/// id cannot be read but which names ours anywhere is treated as ours, since a lenient reader might.
/// </summary>
public static class AuthenticationResultsScanner
{
    private static readonly byte[] Name = Encoding.ASCII.GetBytes(AuthenticationResultsWriter.FieldName);

    /// <summary>Indexes into <paramref name="headers"/> of the A-R fields claiming <paramref name="authservId"/>, ascending
    /// (remove them from the last to the first).</summary>
    public static IReadOnlyList<int> FindOwn(HeaderList headers, string authservId)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentException.ThrowIfNullOrEmpty(authservId);
        var found = new List<int>();
        for (var i = 0; i < headers.Count; i++)
        {
            if (headers[i].Field.Equals(AuthenticationResultsWriter.FieldName, StringComparison.OrdinalIgnoreCase)
                && Claims(Encoding.Latin1.GetString(headers[i].RawValue), authservId))
            {
                found.Add(i);
            }
        }

        return found;
    }

    /// <summary>Byte ranges (each a whole field: name to the CRLF ending its last line) of the A-R fields in
    /// <paramref name="headerSection"/> that claim <paramref name="authservId"/>, ascending. The section ends at
    /// the first empty line or the end of the span.</summary>
    public static IReadOnlyList<Range> FindOwn(ReadOnlySpan<byte> headerSection, string authservId)
    {
        ArgumentException.ThrowIfNullOrEmpty(authservId);
        var found = new List<Range>();
        var position = 0;
        while (position < headerSection.Length)
        {
            var start = position;
            var end = LineEnd(headerSection, position);
            if (end - start <= 2 && IsLineBreak(headerSection[start..end]))
            {
                break; // the empty line: the body follows
            }

            // A field continues on lines that start with white space (RFC 5322 2.2.3).
            while (end < headerSection.Length && headerSection[end] is (byte)' ' or (byte)'\t')
            {
                end = LineEnd(headerSection, end);
            }

            var field = headerSection[start..end];
            var colon = field.IndexOf((byte)':');
            if (colon > 0
                && field[..colon].TrimEnd((byte)' ').TrimEnd((byte)'\t') is var name
                && Ascii.EqualsIgnoreCase(name, Name)
                && Claims(Encoding.Latin1.GetString(field[(colon + 1)..]), authservId))
            {
                found.Add(new Range(start, end));
            }

            position = end;
        }

        return found;
    }

    /// <summary>The authserv-id of an A-R field value (RFC 8601 2.2: <c>[CFWS] authserv-id [CFWS authres-version] ...</c>),
    /// or null when none can be read.</summary>
    public static string? ReadAuthservId(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var i = SkipCfws(value, 0);
        if (i < 0 || i >= value.Length)
        {
            return null;
        }

        if (value[i] == '"')
        {
            var text = new StringBuilder();
            for (i++; i < value.Length; i++)
            {
                if (value[i] == '\\' && i + 1 < value.Length)
                {
                    text.Append(value[++i]);
                }
                else if (value[i] == '"')
                {
                    return text.Length > 0 ? text.ToString() : null;
                }
                else if (value[i] is not ('\r' or '\n'))
                {
                    text.Append(value[i]);
                }
            }

            return null; // unterminated
        }

        var begin = i;
        while (i < value.Length && value[i] is > ' ' and < '\x7f' && "()<>@,;:\\\"/[]?=".IndexOf(value[i], StringComparison.Ordinal) < 0)
        {
            i++;
        }

        return i > begin ? value[begin..i] : null;
    }

    private static bool Claims(string value, string authservId) =>
        ReadAuthservId(value) is { } id
            ? id.TrimEnd('.').Equals(authservId.TrimEnd('.'), StringComparison.OrdinalIgnoreCase)
            : value.Contains(authservId, StringComparison.OrdinalIgnoreCase);

    // Skips white space, line breaks and (nested, escaped) comments; -1 for an unterminated comment.
    private static int SkipCfws(string value, int i)
    {
        var depth = 0;
        for (; i < value.Length; i++)
        {
            var c = value[i];
            if (depth > 0 && c == '\\')
            {
                i++;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0 && c is not (' ' or '\t' or '\r' or '\n'))
            {
                return i;
            }
        }

        return depth > 0 ? -1 : i;
    }

    private static int LineEnd(ReadOnlySpan<byte> text, int from)
    {
        var lf = text[from..].IndexOf((byte)'\n');
        return lf < 0 ? text.Length : from + lf + 1;
    }

    private static bool IsLineBreak(ReadOnlySpan<byte> line) => line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8);
}
