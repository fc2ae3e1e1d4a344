using System.Globalization;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// A parsed MTA-STS policy (RFC 8461 3.2): mode, MX patterns, max_age, and the text it came from
/// (kept so a cache on disk holds the policy as served).
/// </summary>
public sealed record MtaStsPolicy(MtaStsMode Mode, IReadOnlyList<string> Mx, TimeSpan MaxAge, string Text)
{
    /// <summary>RFC 8461 3.2: max_age is at most 31557600 seconds (about a year).</summary>
    public const long MaxAgeLimit = 31557600;

    /// <summary>
    /// RFC 8461 4.1: <paramref name="host"/> matches a pattern exactly, or a <c>*.</c> pattern by its
    /// leftmost label only ("*.example.com" takes "mx.example.com", not "example.com" nor
    /// "a.b.example.com"); case-insensitive, trailing dots ignored.
    /// </summary>
    public bool MatchesMx(string host) => Mx.Any(p => MatchesPattern(p, host));

    public static bool MatchesPattern(string pattern, string host)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(host);
        var name = host.TrimEnd('.');
        var p = pattern.TrimEnd('.');
        if (p.StartsWith("*.", StringComparison.Ordinal))
        {
            var suffix = p[1..];
            return name.Length > suffix.Length
                && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && !name[..^suffix.Length].Contains('.', StringComparison.Ordinal);
        }

        return p.Length > 0 && string.Equals(name, p, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Parses a policy body (RFC 8461 3.2): lines "key: value" ended by LF or CRLF; <c>version</c>
    /// "STSv1", <c>mode</c> and <c>max_age</c> are required, <c>mx</c> too unless the mode is none;
    /// field names and values are case-sensitive (%s in the ABNF); unknown fields are ignored; a
    /// repeated single field is invalid (two answers to one question cannot be told apart).
    /// </summary>
    public static bool TryParse(string text, out MtaStsPolicy? policy, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        policy = null;
        string? version = null, mode = null, maxAge = null;
        var mx = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                error = $"not a \"key: value\" line: {Shorten(line)}";
                return false;
            }

            var key = line[..colon];
            var value = line[(colon + 1)..].Trim(' ', '\t');
            switch (key)
            {
                case "version" when version is null:
                    version = value;
                    break;
                case "mode" when mode is null:
                    mode = value;
                    break;
                case "max_age" when maxAge is null:
                    maxAge = value;
                    break;
                case "version" or "mode" or "max_age":
                    error = $"{key} given twice";
                    return false;
                case "mx":
                    if (!IsMxPattern(value))
                    {
                        error = $"mx {Shorten(value)} is not a host name or *.domain";
                        return false;
                    }

                    mx.Add(value.ToLowerInvariant());
                    break;
                default:
                    if (!IsExtensionName(key))
                    {
                        error = $"bad field name {Shorten(key)}";
                        return false;
                    }

                    break; // an extension: ignored (RFC 8461 3.2)
            }
        }

        if (version != "STSv1")
        {
            error = version is null ? "no version" : $"version {Shorten(version)} is not STSv1";
            return false;
        }

        MtaStsMode parsedMode;
        switch (mode)
        {
            case "enforce": parsedMode = MtaStsMode.Enforce; break;
            case "testing": parsedMode = MtaStsMode.Testing; break;
            case "none": parsedMode = MtaStsMode.None; break;
            default:
                error = mode is null ? "no mode" : $"mode {Shorten(mode)} is not enforce, testing or none";
                return false;
        }

        // 1*10DIGIT, at most 31557600.
        if (maxAge is null || maxAge.Length is 0 or > 10 || !maxAge.All(char.IsAsciiDigit)
            || !long.TryParse(maxAge, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxAgeLimit)
        {
            error = maxAge is null ? "no max_age" : $"max_age {Shorten(maxAge)} is not 0 to {MaxAgeLimit}";
            return false;
        }

        if (parsedMode != MtaStsMode.None && mx.Count == 0)
        {
            error = "no mx";
            return false;
        }

        policy = new MtaStsPolicy(parsedMode, mx, TimeSpan.FromSeconds(seconds), text);
        error = string.Empty;
        return true;
    }

    /// <summary>RFC 8461 3.2 sts-policy-mx-value: ["*."] Domain (RFC 5321 4.1.2: labels of letters, digits and hyphens).</summary>
    private static bool IsMxPattern(string value)
    {
        var name = value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
        name = name.EndsWith('.') ? name[..^1] : name;
        return name.Length is > 0 and <= 253 && name.Split('.').All(label =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
    }

    /// <summary>RFC 8461 3.2 sts-policy-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".").</summary>
    private static bool IsExtensionName(string key) =>
        key.Length is > 0 and <= 32 && char.IsAsciiLetterOrDigit(key[0]) && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private static string Shorten(string s) => s.Length <= 60 ? $"\"{s}\"" : $"\"{s[..60]}...\"";
}
