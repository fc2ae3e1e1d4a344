using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Interchange.MailAuth.Spf;

/// <summary>A parsed SPF record (RFC 7208 4.6, grammar in section 12). The whole record is checked
/// before anything is evaluated: a syntax error anywhere is a permerror (4.6).</summary>
internal sealed class SpfRecord
{
    private SpfRecord(IReadOnlyList<SpfDirective> directives, string? redirect, string? explanation)
    {
        Directives = directives;
        Redirect = redirect;
        Explanation = explanation;
    }

    public IReadOnlyList<SpfDirective> Directives { get; }

    /// <summary>The unexpanded domain-spec of <c>redirect=</c> (6.1), if any.</summary>
    public string? Redirect { get; }

    /// <summary>The unexpanded domain-spec of <c>exp=</c> (6.2), if any.</summary>
    public string? Explanation { get; }

    /// <summary>4.5: a TXT record is an SPF record when it begins with "v=spf1" followed by a space or
    /// its end. Case-insensitive, as ABNF literals are (RFC 5234 2.3).</summary>
    public static bool IsSpfRecord(string txt) =>
        txt.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (txt.Length == 6 || txt[6] == ' ');

    /// <summary>Parses a record selected by <see cref="IsSpfRecord"/>; null with <paramref name="error"/> on a syntax error.</summary>
    public static SpfRecord? Parse(string txt, out string? error)
    {
        // 3.1 / 12: records are 7-bit ASCII; terms are separated by SP only (4.6.1), no other control characters.
        foreach (var c in txt)
        {
            if (c is < ' ' or > '~')
            {
                error = string.Create(CultureInfo.InvariantCulture, $"character U+{(int)c:X4} is not allowed in an SPF record (RFC 7208 3.1, 12)");
                return null;
            }
        }

        var directives = new List<SpfDirective>();
        string? redirect = null;
        string? explanation = null;
        foreach (var term in txt[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (TryParseModifier(term, out var name, out var value))
            {
                if (!SpfMacro.IsValid(value, explanation: false))
                {
                    error = $"modifier '{term}': bad macro-string (RFC 7208 7.1)";
                    return null;
                }

                if (name.Equals("redirect", StringComparison.OrdinalIgnoreCase) || name.Equals("exp", StringComparison.OrdinalIgnoreCase))
                {
                    // 6: redirect and exp MUST NOT appear more than once each; their value is a domain-spec.
                    var isRedirect = name.Equals("redirect", StringComparison.OrdinalIgnoreCase);
                    if ((isRedirect ? redirect : explanation) is not null)
                    {
                        error = $"'{name}=' appears more than once (RFC 7208 6)";
                        return null;
                    }

                    if (!IsDomainSpec(value))
                    {
                        error = $"modifier '{term}': not a domain-spec (RFC 7208 7.1)";
                        return null;
                    }

                    if (isRedirect)
                    {
                        redirect = value;
                    }
                    else
                    {
                        explanation = value;
                    }
                }

                // 6.3: unrecognised modifiers are ignored (once their syntax is right).
                continue;
            }

            var directive = ParseDirective(term, out error);
            if (directive is null)
            {
                return null;
            }

            directives.Add(directive);
        }

        error = null;
        return new SpfRecord(directives, redirect, explanation);
    }

    /// <summary>domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand (7.1).</summary>
    public static bool IsDomainSpec(string text)
    {
        if (text.Length == 0 || !SpfMacro.IsValid(text, explanation: false))
        {
            return false;
        }

        if (SpfMacro.EndsWithExpand(text, out var tailStart))
        {
            return true;
        }

        var tail = text.AsSpan(tailStart);
        if (tail.EndsWith("."))
        {
            tail = tail[..^1];
        }

        var dot = tail.LastIndexOf('.');
        return dot >= 0 && IsTopLabel(tail[(dot + 1)..]);
    }

    /// <summary>toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) (7.1):
    /// not all digits, so an IP address is not taken for a domain.</summary>
    private static bool IsTopLabel(ReadOnlySpan<char> label)
    {
        if (label.IsEmpty || label.ContainsAnyExcept(SpfDomain.LabelCharacters))
        {
            return false;
        }

        if (!label.Contains('-'))
        {
            return label.ContainsAnyExceptInRange('0', '9');
        }

        return char.IsAsciiLetterOrDigit(label[0]) && char.IsAsciiLetterOrDigit(label[^1]);
    }

    /// <summary>modifier = name "=" macro-string; name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (12).</summary>
    private static bool TryParseModifier(string term, out string name, out string value)
    {
        name = value = string.Empty;
        var equals = term.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || !char.IsAsciiLetter(term[0]))
        {
            return false;
        }

        for (var i = 1; i < equals; i++)
        {
            var c = term[i];
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        name = term[..equals];
        value = term[(equals + 1)..];
        return true;
    }

    private static SpfDirective? ParseDirective(string term, out string? error)
    {
        error = null;
        var qualifier = term[0] switch
        {
            '+' => SpfResult.Pass,
            '-' => SpfResult.Fail,
            '~' => SpfResult.SoftFail,
            '?' => SpfResult.Neutral,
            _ => (SpfResult?)null,
        };
        var body = qualifier is null ? term : term[1..];
        var end = body.IndexOfAny([':', '/']);
        var name = (end < 0 ? body : body[..end]).ToLowerInvariant();
        var rest = end < 0 ? string.Empty : body[end..];
        var q = qualifier ?? SpfResult.Pass;

        SpfDirective? directive = name switch
        {
            "all" when rest.Length == 0 => new SpfDirective(q, SpfMechanismKind.All, term),
            "include" => RequiredDomain(rest) is { } spec ? new SpfDirective(q, SpfMechanismKind.Include, term, spec) : null,
            "exists" => RequiredDomain(rest) is { } spec ? new SpfDirective(q, SpfMechanismKind.Exists, term, spec) : null,
            "a" => WithDualCidr(q, SpfMechanismKind.A, term, rest),
            "mx" => WithDualCidr(q, SpfMechanismKind.Mx, term, rest),
            "ptr" when rest.Length == 0 => new SpfDirective(q, SpfMechanismKind.Ptr, term),
            "ptr" => RequiredDomain(rest) is { } spec ? new SpfDirective(q, SpfMechanismKind.Ptr, term, spec) : null,
            "ip4" => Network(q, SpfMechanismKind.Ip4, term, rest),
            "ip6" => Network(q, SpfMechanismKind.Ip6, term, rest),
            _ => null,
        };

        if (directive is null)
        {
            error = $"'{term}' is not a valid mechanism (RFC 7208 5, 12)";
        }

        return directive;
    }

    private static string? RequiredDomain(string rest) =>
        rest.Length > 1 && rest[0] == ':' && IsDomainSpec(rest[1..]) ? rest[1..] : null;

    /// <summary>a / mx: [ ":" domain-spec ] [ ip4-cidr-length ] [ "/" ip6-cidr-length ] (5.3, 5.4).</summary>
    private static SpfDirective? WithDualCidr(SpfResult qualifier, SpfMechanismKind kind, string term, string rest)
    {
        // The CIDR lengths are at the end; a domain-spec may itself hold "/" (a macro-literal), so peel from the right.
        var prefix4 = 32;
        var prefix6 = 128;
        var spec = rest;
        var v6 = spec.LastIndexOf("//", StringComparison.Ordinal);
        if (v6 >= 0 && IsCidr(spec.AsSpan(v6 + 2), 128, out var length6))
        {
            prefix6 = length6;
            spec = spec[..v6];
        }

        var v4 = spec.LastIndexOf('/');
        if (v4 >= 0 && IsCidr(spec.AsSpan(v4 + 1), 32, out var length4))
        {
            prefix4 = length4;
            spec = spec[..v4];
        }

        if (spec.Length == 0)
        {
            return new SpfDirective(qualifier, kind, term, null, null, prefix4, prefix6);
        }

        return spec[0] == ':' && IsDomainSpec(spec[1..])
            ? new SpfDirective(qualifier, kind, term, spec[1..], null, prefix4, prefix6)
            : null;
    }

    /// <summary>ip4 ":" ip4-network [ ip4-cidr-length ] (5.6), ip6 likewise.</summary>
    private static SpfDirective? Network(SpfResult qualifier, SpfMechanismKind kind, string term, string rest)
    {
        if (rest.Length < 2 || rest[0] != ':')
        {
            return null;
        }

        var text = rest[1..];
        var max = kind == SpfMechanismKind.Ip4 ? 32 : 128;
        var prefix = max;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!IsCidr(text.AsSpan(slash + 1), max, out prefix))
            {
                return null;
            }

            text = text[..slash];
        }

        var network = kind == SpfMechanismKind.Ip4 ? ParseIp4(text) : ParseIp6(text);
        return network is null ? null : new SpfDirective(qualifier, kind, term, null, network, kind == SpfMechanismKind.Ip4 ? prefix : 32, kind == SpfMechanismKind.Ip6 ? prefix : 128);
    }

    /// <summary>"0" / %x31-39 0*nDIGIT, at most <paramref name="max"/> (12): no leading zeros, no sign.</summary>
    private static bool IsCidr(ReadOnlySpan<char> text, int max, out int length)
    {
        length = 0;
        if (text.IsEmpty || text.Length > 3 || text.ContainsAnyExceptInRange('0', '9') || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        length = int.Parse(text, CultureInfo.InvariantCulture);
        return length <= max;
    }

    /// <summary>ip4-network = qnum "." qnum "." qnum "." qnum, qnum 0-255 without leading zeros (12).
    /// IPAddress.Parse alone would take "1.2.3" or "0x7f.1".</summary>
    private static IPAddress? ParseIp4(string text)
    {
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return null;
        }

        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || part.AsSpan().ContainsAnyExceptInRange('0', '9') || (part.Length > 1 && part[0] == '0') || int.Parse(part, CultureInfo.InvariantCulture) > 255)
            {
                return null;
            }
        }

        return IPAddress.Parse(text);
    }

    /// <summary>ip6-network: the text forms of RFC 4291 2.2 (no zone index, no brackets).</summary>
    private static IPAddress? ParseIp6(string text) =>
        text.Contains(':', StringComparison.Ordinal) && !text.Contains('%', StringComparison.Ordinal) && !text.Contains('[', StringComparison.Ordinal)
            && IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? address
            : null;
}
