using System.Globalization;

namespace Interchange.Mime.Headers;

/// <summary>
/// RFC 5322 §3.3 date-time, read leniently: obsolete forms (§4.3: two- and three-digit years,
/// alphabetic and military zones, comments), and broken ones seen in real mail (missing
/// day-of-week, seconds or zone, full month names, asctime order, ISO 8601, "+02:00",
/// "GMT+0200", dots in the time). Unreadable text gives null, never an exception.
/// </summary>
public static class MailDate
{
    private static readonly string[] s_months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    private static readonly Dictionary<string, int> s_zones = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UT"] = 0, ["UTC"] = 0, ["GMT"] = 0, ["Z"] = 0, ["WET"] = 0,
        ["EST"] = -5 * 60, ["EDT"] = -4 * 60, ["CST"] = -6 * 60, ["CDT"] = -5 * 60,
        ["MST"] = -7 * 60, ["MDT"] = -6 * 60, ["PST"] = -8 * 60, ["PDT"] = -7 * 60,
        ["AKST"] = -9 * 60, ["AKDT"] = -8 * 60, ["HST"] = -10 * 60,
        ["BST"] = 60, ["CET"] = 60, ["MET"] = 60, ["WEST"] = 60,
        ["CEST"] = 120, ["MEST"] = 120, ["EET"] = 120, ["EEST"] = 180, ["MSK"] = 180,
        ["IST"] = 330, ["JST"] = 540, ["KST"] = 540, ["HKT"] = 480, ["SGT"] = 480,
        ["AEST"] = 600, ["AEDT"] = 660, ["NZST"] = 720, ["NZDT"] = 780,
    };

    /// <summary>The date, or null when the text holds no recognisable date.</summary>
    public static DateTimeOffset? Parse(string? text) => TryParse(text, out var value) ? value : null;

    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 1000)
        {
            return false;
        }

        var tokens = Tokenize(text);
        int? day = null, month = null, year = null;
        int hour = 0, minute = 0, second = 0;
        var haveTime = false;
        int? offset = null;

        for (var k = 0; k < tokens.Count; k++)
        {
            var token = tokens[k];
            if (TryIsoDate(token, out var isoYear, out var isoMonth, out var isoDay, out var rest))
            {
                (year, month, day) = (isoYear, isoMonth, isoDay);
                if (rest.Length > 0)
                {
                    tokens.Insert(k + 1, rest);
                }

                continue;
            }

            if (!haveTime && TryTime(token, out hour, out minute, out second, out var zoneRest))
            {
                haveTime = true;
                if (zoneRest.Length > 0 && TryZone(zoneRest, out var z))
                {
                    offset = z;
                }

                continue;
            }

            if (offset is null && (token[0] is '+' or '-' || (haveTime && s_zones.ContainsKey(token)) || IsZoneWithOffset(token)) && TryZone(token, out var zone))
            {
                offset = zone;
                continue;
            }

            if (month is null && TryMonth(token, out var m))
            {
                month = m;
                continue;
            }

            if (token.All(char.IsAsciiDigit) && token.Length <= 4)
            {
                var n = int.Parse(token, CultureInfo.InvariantCulture);
                if (token.Length <= 2 && day is null && n is >= 1 and <= 31)
                {
                    day = n;
                }
                else if (year is null)
                {
                    year = token.Length switch
                    {
                        // RFC 5322 §4.3: 00-49 are 2000-2049, 50-99 are 1950-1999; three digits add 1900.
                        <= 2 => n < 50 ? 2000 + n : 1900 + n,
                        3 => 1900 + n,
                        _ => n,
                    };
                }

                continue;
            }

            // Military single letters and unknown names: RFC 5322 §4.3 says read them as -0000.
            if (offset is null && haveTime && token.Length == 1 && char.IsAsciiLetter(token[0]))
            {
                offset = 0;
            }
        }

        if (day is null || month is null || year is null || year < 1 || year > 9999)
        {
            return false;
        }

        if (day > DateTime.DaysInMonth(year.Value, month.Value) || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        second = Math.Min(second, 59); // a leap second is not representable
        var minutes = offset ?? 0;
        if (Math.Abs(minutes) > 14 * 60)
        {
            minutes = 0;
        }

        try
        {
            value = new DateTimeOffset(year.Value, month.Value, day.Value, hour, minute, second, TimeSpan.FromMinutes(minutes));
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>RFC 5322 form for the writer: "Tue, 1 Jul 2003 10:52:37 +0200".</summary>
    public static string Format(DateTimeOffset value)
    {
        var offset = value.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        return string.Create(CultureInfo.InvariantCulture,
            $"{value.ToString("ddd, d MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture)} {sign}{abs.Hours:00}{abs.Minutes:00}");
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '(')
            {
                HeaderLexer.ReadComment(text, ref i);
                continue;
            }

            if (char.IsWhiteSpace(c) || c == ',')
            {
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (',' or '('))
            {
                i++;
            }

            var token = text[start..i];

            // "1-Jul-2003" and "Jul-1" split; a leading '-' or '+' is a zone sign, so keep it.
            var isoLike = token.Length >= 10 && token[4] == '-';
            if (token.Length > 1 && token.IndexOf('-', 1) > 0 && token.Any(char.IsAsciiLetter) && !IsZoneWithOffset(token) && !isoLike)
            {
                tokens.AddRange(token.Split('-', StringSplitOptions.RemoveEmptyEntries));
            }
            else
            {
                tokens.Add(token);
            }
        }

        return tokens;
    }

    private static bool TryMonth(string token, out int month)
    {
        month = 0;
        if (token.Length < 3 || !char.IsAsciiLetter(token[0]))
        {
            return false;
        }

        var prefix = token[..3].ToLowerInvariant();
        var index = Array.IndexOf(s_months, prefix);
        if (index < 0)
        {
            return false;
        }

        month = index + 1;
        return true;
    }

    private static bool TryTime(string token, out int hour, out int minute, out int second, out string zoneRest)
    {
        hour = minute = second = 0;
        zoneRest = string.Empty;
        char separator;
        if (token.Contains(':', StringComparison.Ordinal))
        {
            separator = ':';
        }
        else if (token.Contains('.', StringComparison.Ordinal) && token.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            separator = '.';
        }
        else
        {
            return false;
        }

        // "10:52:37+0200" or "10:52:37Z": split a glued zone off.
        var end = 0;
        while (end < token.Length && (char.IsAsciiDigit(token[end]) || token[end] == separator))
        {
            end++;
        }

        zoneRest = token[end..];
        var fields = token[..end].Split(separator);
        if (fields.Length is < 2 or > 3 || fields.Any(f => f.Length is 0 or > 2))
        {
            return false;
        }

        hour = int.Parse(fields[0], CultureInfo.InvariantCulture);
        minute = int.Parse(fields[1], CultureInfo.InvariantCulture);
        second = fields.Length == 3 ? int.Parse(fields[2], CultureInfo.InvariantCulture) : 0;
        return true;
    }

    private static bool IsZoneWithOffset(string token) =>
        (token.StartsWith("GMT", StringComparison.OrdinalIgnoreCase) || token.StartsWith("UTC", StringComparison.OrdinalIgnoreCase))
        && token.Length > 3 && token[3] is '+' or '-';

    private static bool TryZone(string token, out int minutes)
    {
        minutes = 0;
        if (s_zones.TryGetValue(token, out minutes))
        {
            return true;
        }

        if (IsZoneWithOffset(token))
        {
            token = token[3..];
        }

        if (token.Length < 2 || token[0] is not ('+' or '-'))
        {
            return false;
        }

        var sign = token[0] == '-' ? -1 : 1;
        var digits = token[1..].Replace(":", string.Empty, StringComparison.Ordinal);
        if (!digits.All(char.IsAsciiDigit) || digits.Length is 0 or 3 or > 4)
        {
            return false;
        }

        var hours = int.Parse(digits.Length <= 2 ? digits : digits[..2], CultureInfo.InvariantCulture);
        var mins = digits.Length == 4 ? int.Parse(digits[2..], CultureInfo.InvariantCulture) : 0;
        if (mins > 59)
        {
            return false;
        }

        minutes = sign * ((hours * 60) + mins);
        return true;
    }

    private static bool TryIsoDate(string token, out int year, out int month, out int day, out string rest)
    {
        year = month = day = 0;
        rest = string.Empty;
        if (token.Length < 10 || token[4] != '-' || token[7] != '-')
        {
            return false;
        }

        if (!int.TryParse(token.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out year)
            || !int.TryParse(token.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out month)
            || !int.TryParse(token.AsSpan(8, 2), NumberStyles.None, CultureInfo.InvariantCulture, out day)
            || month is < 1 or > 12)
        {
            return false;
        }

        // "2003-07-01T10:52:37Z": the time follows the 'T'.
        rest = token.Length > 11 && token[10] is 'T' or 't' ? token[11..] : string.Empty;
        return true;
    }
}
