using System.Text;

namespace Interchange.Imap.Protocol;

/// <summary>
/// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): printable ASCII stands for itself,
/// "&amp;" is "&amp;-", everything else is UTF-16 in modified base64 ("," for "/", no padding)
/// between "&amp;" and "-". Decoding is strict: there is exactly one encoding of each name,
/// so two spellings can never name two mailboxes.
/// </summary>
public static class MailboxNameCodec
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

    /// <summary>Encodes a name; throws on ill-formed UTF-16 (a lone surrogate), which no mailbox should be named.</summary>
    public static string Encode(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var output = new StringBuilder(name.Length + 8);
        var i = 0;
        while (i < name.Length)
        {
            var c = name[i];
            if (c is >= ' ' and <= '~')
            {
                output.Append(c == '&' ? "&-" : c);
                i++;
                continue;
            }

            var start = i;
            while (i < name.Length && name[i] is not (>= ' ' and <= '~'))
            {
                if (char.IsHighSurrogate(name[i]) ? i + 1 >= name.Length || !char.IsLowSurrogate(name[i + 1]) : char.IsLowSurrogate(name[i]))
                {
                    throw new ArgumentException("The name is not well-formed UTF-16.", nameof(name));
                }

                i += char.IsHighSurrogate(name[i]) ? 2 : 1;
            }

            output.Append('&');
            AppendBase64(output, name.AsSpan(start, i - start));
            output.Append('-');
        }

        return output.ToString();
    }

    /// <summary>Decodes a name; false with a reason for anything but the one canonical encoding.</summary>
    public static bool TryDecode(string encoded, out string name, out string? error)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        name = string.Empty;
        var output = new StringBuilder(encoded.Length);
        var i = 0;
        var previousWasBase64 = false;
        while (i < encoded.Length)
        {
            var c = encoded[i];
            if (c is < ' ' or > '~')
            {
                error = "Character outside printable ASCII";
                return false;
            }

            if (c != '&')
            {
                output.Append(c);
                previousWasBase64 = false;
                i++;
                continue;
            }

            var end = encoded.IndexOf('-', i + 1);
            if (end < 0)
            {
                error = "Unterminated &";
                return false;
            }

            if (end == i + 1)
            {
                output.Append('&');
                previousWasBase64 = false;
                i = end + 1;
                continue;
            }

            if (previousWasBase64)
            {
                // "&AOk-&AOk-" must be written "&AOkA6Q-".
                error = "Adjacent encoded runs";
                return false;
            }

            if (!TryDecodeRun(encoded.AsSpan(i + 1, end - i - 1), output, out error))
            {
                return false;
            }

            previousWasBase64 = true;
            i = end + 1;
        }

        name = output.ToString();
        error = null;
        return true;
    }

    private static void AppendBase64(StringBuilder output, ReadOnlySpan<char> chars)
    {
        var bits = 0;
        var buffer = 0;
        foreach (var c in chars)
        {
            buffer = (buffer << 16) | c;
            bits += 16;
            while (bits >= 6)
            {
                bits -= 6;
                output.Append(Alphabet[(buffer >> bits) & 0x3F]);
            }

            buffer &= (1 << bits) - 1;
        }

        if (bits > 0)
        {
            output.Append(Alphabet[(buffer << (6 - bits)) & 0x3F]);
        }
    }

    private static bool TryDecodeRun(ReadOnlySpan<char> run, StringBuilder output, out string? error)
    {
        var bits = 0;
        var buffer = 0;
        var units = new List<char>(run.Length * 6 / 16);
        foreach (var c in run)
        {
            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                error = c == '/' ? "'/' in modified base64 (',' is used)" : c == '=' ? "Padding in modified base64" : "Invalid character in modified base64";
                return false;
            }

            buffer = (buffer << 6) | value;
            bits += 6;
            if (bits >= 16)
            {
                bits -= 16;
                units.Add((char)((buffer >> bits) & 0xFFFF));
                buffer &= (1 << bits) - 1;
            }
        }

        // The run must end on a code unit: fewer than 6 bits left over, all zero.
        if (bits >= 6 || buffer != 0)
        {
            error = "Modified base64 does not end on a UTF-16 boundary";
            return false;
        }

        for (var k = 0; k < units.Count; k++)
        {
            var unit = units[k];
            if (unit is >= ' ' and <= '~')
            {
                error = "Printable ASCII must not be encoded";
                return false;
            }

            if (char.IsHighSurrogate(unit))
            {
                if (k + 1 >= units.Count || !char.IsLowSurrogate(units[k + 1]))
                {
                    error = "Unpaired surrogate";
                    return false;
                }

                output.Append(unit).Append(units[++k]);
                continue;
            }

            if (char.IsLowSurrogate(unit))
            {
                error = "Unpaired surrogate";
                return false;
            }

            output.Append(unit);
        }

        error = null;
        return true;
    }
}
