using System.Text;

namespace Interchange.Smtp.Protocol;

/// <summary>
/// A reverse-path or forward-path (RFC 5321 4.1.2): <c>&lt;local@domain&gt;</c>, the null path
/// <c>&lt;&gt;</c>, or <c>&lt;postmaster&gt;</c>. A source route (<c>@a,@b:user@host</c>) is
/// accepted and ignored (RFC 5321 4.1.1.3, C.6). The local part may be a quoted string; it is
/// kept as written (quotes included) so that the relay check sees exactly what was asked for.
/// </summary>
public sealed record SmtpPath(string LocalPart, string Domain)
{
    public static readonly SmtpPath Null = new(string.Empty, string.Empty);

    public bool IsNull => LocalPart.Length == 0 && Domain.Length == 0;

    /// <summary>The special <c>&lt;postmaster&gt;</c> recipient without a domain (RFC 5321 4.5.1).</summary>
    public bool IsBarePostmaster => Domain.Length == 0 && string.Equals(LocalPart, "postmaster", StringComparison.OrdinalIgnoreCase);

    public bool IsQuotedLocalPart => LocalPart.StartsWith('"');

    /// <summary>True when any part is outside ASCII (needs SMTPUTF8, RFC 6531).</summary>
    public bool IsInternational => LocalPart.Any(c => c > 127) || Domain.Any(c => c > 127);

    public string Address => IsNull ? string.Empty : Domain.Length == 0 ? LocalPart : $"{LocalPart}@{Domain}";

    public override string ToString() => $"<{Address}>";

    /// <summary>
    /// Parses a path at the start of <paramref name="text"/> ("&lt;...&gt;" then optional parameters).
    /// Leniency: a missing pair of angle brackets around a plain address is accepted (many
    /// scripts send <c>MAIL FROM:user@host</c>), as Postfix does by default.
    /// </summary>
    public static bool TryParse(string text, out SmtpPath path, out string rest, out string error)
    {
        path = Null;
        rest = string.Empty;
        var s = text.TrimStart();
        string inner;
        if (s.StartsWith('<'))
        {
            var close = FindClosingBracket(s);
            if (close < 0)
            {
                error = "the path has no closing '>'";
                return false;
            }

            inner = s[1..close];
            rest = s[(close + 1)..].Trim();
        }
        else
        {
            var space = s.IndexOf(' ');
            inner = space < 0 ? s : s[..space];
            rest = space < 0 ? string.Empty : s[(space + 1)..].Trim();
        }

        if (inner.Length == 0)
        {
            error = string.Empty;
            return true;
        }

        // A-d-l ":" : a source route, to be ignored.
        if (inner.StartsWith('@'))
        {
            var colon = inner.IndexOf(':');
            if (colon < 0)
            {
                error = "a source route must end with ':'";
                return false;
            }

            inner = inner[(colon + 1)..];
        }

        var at = FindDomainSeparator(inner);
        if (at < 0)
        {
            if (string.Equals(inner, "postmaster", StringComparison.OrdinalIgnoreCase))
            {
                path = new SmtpPath(inner, string.Empty);
                error = string.Empty;
                return true;
            }

            error = "the address has no domain";
            return false;
        }

        var local = inner[..at];
        var domain = inner[(at + 1)..];
        if (!IsLocalPart(local))
        {
            error = "the local part is not a valid dot-string or quoted string";
            return false;
        }

        if (!IsDomainOrLiteral(domain))
        {
            error = "the domain is not a valid domain or address literal";
            return false;
        }

        path = new SmtpPath(local, domain);
        error = string.Empty;
        return true;
    }

    /// <summary>The first '>' outside a quoted string (a quoted local part may hold one).</summary>
    private static int FindClosingBracket(string s) => IndexOutsideQuotes(s, '>', 1, last: false);

    /// <summary>The '@' that separates local part and domain: the last one outside quotes.</summary>
    private static int FindDomainSeparator(string s) => IndexOutsideQuotes(s, '@', 0, last: true);

    /// <summary>Index of <paramref name="target"/> outside quoted strings (with backslash escapes inside them), or -1.</summary>
    private static int IndexOutsideQuotes(string s, char target, int start, bool last)
    {
        var quoted = false;
        var found = -1;
        for (var i = start; i < s.Length; i++)
        {
            var c = s[i];
            if (quoted && c == '\\')
            {
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == target && !quoted)
            {
                if (!last)
                {
                    return i;
                }

                found = i;
            }
        }

        return found;
    }

    private static bool IsLocalPart(string local)
    {
        if (local.Length == 0 || Encoding.UTF8.GetByteCount(local) > 64 * 4)
        {
            return false;
        }

        if (local.StartsWith('"'))
        {
            // Quoted-string: qtextSMTP or quoted-pairSMTP inside, nothing after the closing quote.
            if (local.Length < 2 || !local.EndsWith('"'))
            {
                return false;
            }

            for (var i = 1; i < local.Length - 1; i++)
            {
                var c = local[i];
                if (c == '\\')
                {
                    if (++i >= local.Length - 1 || local[i] < 32 || local[i] > 126)
                    {
                        return false;
                    }
                }
                else if (c == '"' || (c < 32 && c != '\t') || c == 127)
                {
                    return false;
                }
            }

            return true;
        }

        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        return local.All(c => c == '.' || c > 127 || char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".Contains(c, StringComparison.Ordinal));
    }

    private static bool IsDomainOrLiteral(string domain)
    {
        if (domain.StartsWith('[') && domain.EndsWith(']'))
        {
            var literal = domain[1..^1];
            return System.Net.IPAddress.TryParse(literal.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase) ? literal[5..] : literal, out _);
        }

        var trimmed = domain.EndsWith('.') ? domain[..^1] : domain;
        if (trimmed.Length == 0 || trimmed.Length > 255)
        {
            return false;
        }

        return trimmed.Split('.').All(label => label.Length is > 0 and <= 63
            && label[0] != '-' && label[^1] != '-'
            && label.All(c => c > 127 || char.IsAsciiLetterOrDigit(c) || c == '-'));
    }
}
