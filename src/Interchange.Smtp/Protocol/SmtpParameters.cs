using System.Text;

namespace Interchange.Smtp.Protocol;

/// <summary>ESMTP parameters after a path (RFC 5321 4.1.2 <c>Mail-parameters</c>): <c>KEY[=VALUE]</c>, keys case-insensitive.</summary>
public static class SmtpParameters
{
    public static bool TryParse(string text, out Dictionary<string, string?> parameters, out string error)
    {
        parameters = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = item.IndexOf('=');
            var key = equals < 0 ? item : item[..equals];
            var value = equals < 0 ? null : item[(equals + 1)..];
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                error = $"malformed parameter '{item}'";
                return false;
            }

            if (!parameters.TryAdd(key, value))
            {
                error = $"parameter {key} given twice";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    /// <summary>Decodes RFC 3461 xtext (<c>+XX</c> hex escapes); null if malformed.</summary>
    public static string? DecodeXtext(string value)
    {
        var bytes = new List<byte>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '+')
            {
                if (i + 2 >= value.Length || !byte.TryParse(value.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
                {
                    return null;
                }

                bytes.Add(b);
                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                return null;
            }
            else
            {
                bytes.Add((byte)c);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>
    /// Encodes RFC 3461 xtext (4): every byte outside '!'..'~', and '+' and '=', as <c>+XX</c>
    /// (upper-case hex); text outside ASCII is encoded as its UTF-8 bytes.
    /// </summary>
    public static string EncodeXtext(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is < (byte)'!' or > (byte)'~' or (byte)'+' or (byte)'=')
            {
                text.Append('+').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append((char)b);
            }
        }

        return text.ToString();
    }
}
