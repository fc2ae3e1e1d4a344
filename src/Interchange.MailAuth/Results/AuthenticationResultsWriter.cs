using System.Globalization;
using System.Text;
using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;
using Interchange.MailAuth.Dmarc;
using Interchange.MailAuth.Spf;

namespace Interchange.MailAuth.Results;

/// <summary>
/// Writes one <c>Authentication-Results</c> field (RFC 8601 2.2): the authserv-id, then a resinfo per
/// method: <c>method=result [(comment)] [reason="..."] ptype.property=value ...</c>. Values that are not
/// RFC 2045 tokens are quoted; comments escape their parentheses; each resinfo starts a folded line and
/// long ones are folded between words, so no line passes 78 characters when the words allow it (RFC 5322 2.1.1).
/// </summary>
public static class AuthenticationResultsWriter
{
    public const string FieldName = "Authentication-Results";

    private const int LineLength = 78;

    /// <summary>The whole field, <c>Authentication-Results: ...</c>, folded with CRLF TAB, without a final CRLF.</summary>
    public static string Write(string authservId, SpfOutcome? spf, IReadOnlyList<DkimSignatureResult> dkim, DmarcOutcome? dmarc, ArcOutcome? arc)
    {
        ArgumentException.ThrowIfNullOrEmpty(authservId);
        ArgumentNullException.ThrowIfNull(dkim);
        var resinfos = new List<List<string>>();
        if (dkim.Count == 0)
        {
            resinfos.Add(["dkim=none"]);
        }

        foreach (var signature in dkim)
        {
            var words = Method("dkim", Word(signature.Result), null, signature.Reason);
            Property(words, "header.d", signature.Domain);
            Property(words, "header.i", signature.Identity);
            Property(words, "header.s", signature.Selector);
            Property(words, "header.a", signature.Algorithm);
            Property(words, "header.b", signature.SignaturePrefix);
            resinfos.Add(words);
        }

        if (spf is not null)
        {
            var words = Method("spf", Word(spf.Result), null, spf.Problem);
            if (spf.Identity == "helo")
            {
                Property(words, "smtp.helo", spf.Domain);
            }
            else
            {
                Property(words, "smtp.mailfrom", spf.Sender.Length > 0 ? spf.Sender : spf.Domain);
            }

            resinfos.Add(words);
        }

        if (dmarc is not null)
        {
            // RFC 7489 11.2 / common practice: the requested policy and the disposition as a comment.
            var comment = dmarc.Policy is { } policy ? $"p={Word(policy)} dis={Word(dmarc.Disposition)}" : null;
            var words = Method("dmarc", Word(dmarc.Result), comment, dmarc.Result == DmarcResult.Pass ? null : dmarc.Reason);
            Property(words, "header.from", dmarc.FromDomain);
            resinfos.Add(words);
        }

        if (arc is not null)
        {
            var comment = arc.Instances > 0 ? string.Create(CultureInfo.InvariantCulture, $"i={arc.Instances}") + (arc.Domain is { } d ? $" d={d}" : "") : null;
            var words = Method("arc", Word(arc.Result), comment, arc.Reason);
            if (arc.OldestPass is { } oldest)
            {
                Property(words, "header.oldest-pass", oldest.ToString(CultureInfo.InvariantCulture));
            }

            resinfos.Add(words);
        }

        return Fold(FieldName + ": " + Value(authservId), resinfos);
    }

    /// <summary>A value as RFC 8601 writes it: a token (RFC 2045 5.1) as is, else a quoted-string.</summary>
    public static string Value(string text)
    {
        if (text.Length > 0 && text.All(IsTokenChar))
        {
            return text;
        }

        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in Printable(text))
        {
            if (c is '"' or '\\')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }

    public static string Word(DkimResult result) => result.ToString().ToLowerInvariant();

    public static string Word(SpfResult result) => result.ToString().ToLowerInvariant();

    public static string Word(DmarcResult result) => result.ToString().ToLowerInvariant();

    public static string Word(DmarcPolicy policy) => policy.ToString().ToLowerInvariant();

    public static string Word(ArcResult result) => result.ToString().ToLowerInvariant();

    private static List<string> Method(string method, string result, string? comment, string? reason)
    {
        var words = new List<string> { $"{method}={result}" };
        if (comment is not null)
        {
            words.Add(Comment(comment));
        }

        if (reason is not null)
        {
            words.Add("reason=" + Quoted(reason));
        }

        return words;
    }

    private static void Property(List<string> words, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            words.Add(name + "=" + PropertyValue(value));
        }
    }

    // pvalue (2.2) also allows [local-part] "@" domain-name unquoted; a dot-atom local part needs no quotes.
    private static string PropertyValue(string value)
    {
        var at = value.LastIndexOf('@');
        if (at > 0 && IsDotAtom(value[..at]) && value[(at + 1)..].Length > 0 && value[(at + 1)..].All(IsTokenChar))
        {
            return value;
        }

        return Value(value);
    }

    private static string Quoted(string text)
    {
        var value = Value(text);
        return value.StartsWith('"') ? value : "\"" + value + "\"";
    }

    private static string Comment(string text)
    {
        var comment = new StringBuilder(text.Length + 2).Append('(');
        foreach (var c in Printable(text))
        {
            if (c is '(' or ')' or '\\')
            {
                comment.Append('\\');
            }

            comment.Append(c);
        }

        return comment.Append(')').ToString();
    }

    private static string Fold(string first, List<List<string>> resinfos)
    {
        var field = new StringBuilder(first);
        var line = first.Length;
        foreach (var (words, index) in resinfos.Select((w, i) => (w, i)))
        {
            field.Append(";\r\n\t");
            line = 1;
            for (var w = 0; w < words.Count; w++)
            {
                var word = words[w];
                if (w > 0)
                {
                    // One more word after a separator, and room for the ';' that may follow the last.
                    var needed = 1 + word.Length + (w == words.Count - 1 && index < resinfos.Count - 1 ? 1 : 0);
                    if (line + needed > LineLength)
                    {
                        field.Append("\r\n\t");
                        line = 1;
                    }
                    else
                    {
                        field.Append(' ');
                        line++;
                    }
                }

                field.Append(word);
                line += word.Length;
            }
        }

        return field.ToString();
    }

    // Only printable ASCII goes into the field: reasons can carry text from elsewhere (an exception, a DNS reply).
    private static IEnumerable<char> Printable(string text) => text.Select(c => c is >= ' ' and <= '~' ? c : '?');

    // RFC 2045 5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>.
    private static bool IsTokenChar(char c) => c is > ' ' and < '\x7f' && "()<>@,;:\\\"/[]?=".IndexOf(c, StringComparison.Ordinal) < 0;

    private static bool IsDotAtom(string text) =>
        text.Length > 0 && !text.StartsWith('.') && !text.EndsWith('.') && !text.Contains("..", StringComparison.Ordinal)
        && text.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".Contains(c, StringComparison.Ordinal));
}
