using System.Globalization;
using System.Text;

namespace Interchange.Transport.Bounces;

/// <summary>
/// Makes values safe for the DSN: every sender- or peer-supplied string that reaches a header
/// field or the delivery-status part passes through here, so no CR, LF or other control
/// character can end a field early and forge another.
/// </summary>
internal static class DsnFields
{
    private const int FoldAt = 78;

    // A token this long is split so that no line passes RFC 5322's 998 limit.
    private const int MaxToken = 900;

    /// <summary>
    /// An address as RFC 3464's address-type;generic-address: rfc822 when it is printable ASCII,
    /// else RFC 6533's utf-8 type in its 7-bit form (utf-8-addr-xtext), which keeps the
    /// delivery-status part ASCII and escapes any control character as \x{..}.
    /// </summary>
    public static string TypedAddress(string address) =>
        address.All(c => c is >= ' ' and <= '~') && address.Trim().Length == address.Length && address.Length > 0
            ? "rfc822;" + address
            : "utf-8;" + Utf8AddrXtext(address);

    /// <summary>RFC 6533 3: QCHAR as is, every other character (non-ASCII, controls, SP, '+', '=', '\') as \x{HEXPOINT}.</summary>
    public static string Utf8AddrXtext(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is >= 0x21 and <= 0x7E and not '+' and not '=' and not '\\')
            {
                result.Append((char)rune.Value);
            }
            else
            {
                result.Append("\\x{").Append(rune.Value.ToString("X", CultureInfo.InvariantCulture)).Append('}');
            }
        }

        return result.ToString();
    }

    /// <summary>RFC 3461 4 xtext, strictly: "+XX" with two upper- or lower-case hex digits, the bytes valid UTF-8.</summary>
    public static bool TryDecodeXtext(string value, out string decoded)
    {
        decoded = string.Empty;
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '+')
            {
                if (i + 2 >= value.Length || !byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    return false;
                }

                bytes.Add(b);
                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                return false;
            }
            else
            {
                bytes.Add((byte)c);
            }
        }

        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>
    /// Original-Recipient from a stored ORCPT ("type;xtext"): the type an atom, the value
    /// xtext-decoded (RFC 3464 2.3.1), then for the utf-8 type its \x{..} escapes decoded too.
    /// A value that decodes to a control character (CR LF and a forged field, say) is refused
    /// whole, not repaired: null, and <paramref name="problem"/> says why.
    /// </summary>
    public static string? OriginalRecipient(string raw, out string? problem)
    {
        problem = null;
        var semicolon = raw.IndexOf(';', StringComparison.Ordinal);
        var type = semicolon < 0 ? string.Empty : raw[..semicolon].Trim();
        if (type.Length == 0 || !type.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            problem = "ORCPT has no address type";
            return null;
        }

        if (!TryDecodeXtext(raw[(semicolon + 1)..].Trim(), out var value) || value.Length == 0)
        {
            problem = "ORCPT is not valid xtext";
            return null;
        }

        var utf8Type = type.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
        if (utf8Type && !TryDecodeEmbeddedUnicode(value, out value))
        {
            problem = "ORCPT has a malformed \\x{..} escape";
            return null;
        }

        if (value.Any(char.IsControl))
        {
            problem = "ORCPT decodes to control characters";
            return null;
        }

        if (utf8Type || value.Any(c => c > '~'))
        {
            return "utf-8;" + Utf8AddrXtext(value);
        }

        return type.ToLowerInvariant() + ";" + value;
    }

    /// <summary>ENVID as it may appear in Original-Envelope-Id: printable ASCII (RFC 3461 4.4), else null.</summary>
    public static string? EnvelopeId(string? envelopeId, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(envelopeId))
        {
            return null;
        }

        if (!envelopeId.All(c => c is >= ' ' and <= '~') || envelopeId.Trim().Length == 0)
        {
            problem = "ENVID holds control or non-ASCII characters";
            return null;
        }

        return envelopeId.Trim();
    }

    /// <summary>A host name or address literal for Remote-MTA / Reporting-MTA, or null when it is anything else.</summary>
    public static string? HostName(string? host) =>
        !string.IsNullOrWhiteSpace(host) && host.Length <= 255 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':' or '[' or ']' or '_')
            ? host
            : null;

    /// <summary>RFC 3463 class.subject.detail with class 2, 4 or 5.</summary>
    public static bool IsEnhancedStatus(string? status)
    {
        if (status is null)
        {
            return false;
        }

        var parts = status.Split('.');
        return parts.Length == 3
            && parts[0] is "2" or "4" or "5"
            && parts[1].Length is >= 1 and <= 3 && parts[1].All(char.IsAsciiDigit)
            && parts[2].Length is >= 1 and <= 3 && parts[2].All(char.IsAsciiDigit);
    }

    /// <summary>One line of printable ASCII from peer text (a reply's lines joined): controls become spaces, other characters '?'.</summary>
    public static string AsciiLine(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            result.Append(rune.Value switch
            {
                >= ' ' and <= '~' => (char)rune.Value,
                < ' ' or 0x7F => ' ',
                _ => '?',
            });
        }

        return string.Join(' ', result.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Peer or sender text for the human-readable part: controls become spaces, one line.</summary>
    public static string TextLine(string text) =>
        string.Join(' ', new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>A field of the delivery-status part, folded at spaces before 78 columns (RFC 3464 2.1.1 allows folding).</summary>
    public static void AppendField(StringBuilder output, string name, string value)
    {
        var line = name.Length + 1;
        output.Append(name).Append(':');
        foreach (var word in value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SelectMany(SplitLong))
        {
            if (line + 1 + word.Length > FoldAt && line > name.Length + 1)
            {
                output.Append("\r\n");
                line = 0;
            }

            output.Append(' ').Append(word);
            line += 1 + word.Length;
        }

        output.Append("\r\n");
    }

    private static IEnumerable<string> SplitLong(string word)
    {
        for (var i = 0; i < word.Length; i += MaxToken)
        {
            yield return word.Substring(i, Math.Min(MaxToken, word.Length - i));
        }
    }

    // RFC 6533 3: EmbeddedUnicodeChar = "\x{" HEXPOINT "}"; a backslash is otherwise not allowed.
    private static bool TryDecodeEmbeddedUnicode(string value, out string decoded)
    {
        decoded = value;
        if (!value.Contains('\\', StringComparison.Ordinal))
        {
            return true;
        }

        var result = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '\\')
            {
                result.Append(value[i]);
                continue;
            }

            var close = value.IndexOf('}', i);
            if (i + 3 >= value.Length || value[i + 1] != 'x' || value[i + 2] != '{' || close < 0 || close - i - 3 is < 1 or > 6
                || !int.TryParse(value.AsSpan(i + 3, close - i - 3), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var point)
                || !Rune.IsValid(point))
            {
                return false;
            }

            result.Append(new Rune(point).ToString());
            i = close;
        }

        decoded = result.ToString();
        return true;
    }
}
