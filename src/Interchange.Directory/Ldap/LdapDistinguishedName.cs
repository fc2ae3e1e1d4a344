using System.Globalization;
using System.Text;

namespace Interchange.Directory.Ldap;

/// <summary>
/// Distinguished names (RFC 4514) compared as the directory would: a group's <c>member</c> value
/// names a user's DN, but possibly with other case, spacing or escaping
/// (<c>CN=Smith\, John</c>, <c>cn=Smith\2C John</c>). Values are compared case-insensitively,
/// which is what the usual attributes' matching rules (caseIgnoreMatch) do.
/// </summary>
public static class LdapDistinguishedName
{
    /// <summary>
    /// The DN in one canonical spelling: attribute types and values lower-cased, escapes decoded
    /// and written back the one way of section 2.4, no spaces around separators. Null if it does
    /// not parse.
    /// </summary>
    public static string? Normalize(string dn)
    {
        ArgumentNullException.ThrowIfNull(dn);
        var rdns = Parse(dn);
        if (rdns is null)
        {
            return null;
        }

        return string.Join(",", rdns.Select(rdn => string.Join("+", rdn.OrderBy(a => a.Type, StringComparer.Ordinal).Select(a => a.Type + "=" + EscapeValue(a.Value)))));
    }

    /// <summary>Escapes an attribute value for a DN (RFC 4514 section 2.4).</summary>
    public static string EscapeValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 4);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            var special = c is '"' or '+' or ',' or ';' or '<' or '>' or '\\'
                || (i == 0 && (c == '#' || c == ' '))
                || (i == value.Length - 1 && c == ' ');
            if (special)
            {
                builder.Append('\\').Append(c);
            }
            else if (c == '\0')
            {
                builder.Append(@"\00");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static List<List<(string Type, string Value)>>? Parse(string dn)
    {
        var rdns = new List<List<(string, string)>>();
        var position = 0;
        SkipSpaces(dn, ref position);
        if (position == dn.Length)
        {
            return rdns; // the empty DN (the root)
        }

        var current = new List<(string, string)>();
        while (true)
        {
            SkipSpaces(dn, ref position);
            var typeStart = position;
            while (position < dn.Length && dn[position] != '=' && dn[position] != ',' && dn[position] != '+')
            {
                position++;
            }

            if (position == dn.Length || dn[position] != '=')
            {
                return null;
            }

            var type = dn[typeStart..position].Trim().ToLowerInvariant();
            if (type.Length == 0)
            {
                return null;
            }

            position++; // '='
            SkipSpaces(dn, ref position);
            var value = ParseValue(dn, ref position);
            if (value is null)
            {
                return null;
            }

            current.Add((type, value.ToLowerInvariant()));
            if (position == dn.Length)
            {
                rdns.Add(current);
                return rdns;
            }

            if (dn[position] == '+')
            {
                position++;
                continue;
            }

            // ',' (or ';', which RFC 2253's readers accepted)
            rdns.Add(current);
            current = [];
            position++;
        }
    }

    private static string? ParseValue(string dn, ref int position)
    {
        if (position < dn.Length && dn[position] == '#')
        {
            // A BER-encoded value (hexstring): kept as written, compared as such.
            var start = position;
            while (position < dn.Length && dn[position] is not (',' or '+' or ';'))
            {
                position++;
            }

            return dn[start..position].TrimEnd();
        }

        var bytes = new List<byte>();
        var pendingSpaces = 0;
        Span<byte> utf8 = stackalloc byte[4];
        while (position < dn.Length)
        {
            var c = dn[position];
            if (c is ',' or '+' or ';')
            {
                break;
            }

            if (c == '\\')
            {
                if (position + 1 >= dn.Length)
                {
                    return null;
                }

                FlushSpaces(bytes, ref pendingSpaces);
                var next = dn[position + 1];
                if (Uri.IsHexDigit(next))
                {
                    if (position + 2 >= dn.Length || !Uri.IsHexDigit(dn[position + 2]))
                    {
                        return null;
                    }

                    bytes.Add(byte.Parse(dn.AsSpan(position + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    position += 3;
                }
                else
                {
                    var written = Encoding.UTF8.GetBytes([next], utf8);
                    for (var i = 0; i < written; i++)
                    {
                        bytes.Add(utf8[i]);
                    }

                    position += 2;
                }

                continue;
            }

            if (c == ' ')
            {
                pendingSpaces++; // trailing unescaped spaces are not part of the value
                position++;
                continue;
            }

            FlushSpaces(bytes, ref pendingSpaces);
            var rune = char.IsSurrogate(c) && position + 1 < dn.Length ? dn.Substring(position, 2) : c.ToString();
            bytes.AddRange(Encoding.UTF8.GetBytes(rune));
            position += rune.Length;
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static void FlushSpaces(List<byte> bytes, ref int pending)
    {
        for (; pending > 0; pending--)
        {
            bytes.Add((byte)' ');
        }
    }

    private static void SkipSpaces(string dn, ref int position)
    {
        while (position < dn.Length && dn[position] == ' ')
        {
            position++;
        }
    }
}
