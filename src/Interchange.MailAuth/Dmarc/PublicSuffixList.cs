using System.Globalization;

namespace Interchange.MailAuth.Dmarc;

/// <summary>
/// The public suffix list (https://publicsuffix.org/list/, Debian's <c>publicsuffix</c> package), and the
/// organisational domain of RFC 7489 3.2 computed from it. The algorithm is the list's own: the rule
/// matching the most labels prevails, an exception rule (<c>!</c>) prevails over all and stands for its
/// name without the leftmost label, a wildcard (<c>*</c>) matches one label, and with no match the rule
/// <c>*</c> applies. Read once, immutable after: safe to share.
/// </summary>
public sealed class PublicSuffixList
{
    /// <summary>Debian's copy.</summary>
    public const string DefaultPath = "/usr/share/publicsuffix/public_suffix_list.dat";

    private static readonly IdnMapping Idn = new();

    private readonly HashSet<string> _rules;
    private readonly HashSet<string> _exceptions;

    private PublicSuffixList(HashSet<string> rules, HashSet<string> exceptions)
    {
        _rules = rules;
        _exceptions = exceptions;
    }

    /// <summary>Rules read (normal and wildcard, and exceptions).</summary>
    public int Count => _rules.Count + _exceptions.Count;

    /// <summary>Reads the list at <paramref name="path"/> (the format: a rule per line, <c>//</c> comments,
    /// the rule ends at the first white space). Throws if it cannot be read: a configuration error.</summary>
    public static PublicSuffixList Load(string path = DefaultPath) => Parse(File.ReadLines(path));

    /// <summary>Builds a list from lines in the file's format (tests).</summary>
    public static PublicSuffixList Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var rules = new HashSet<string>(StringComparer.Ordinal);
        var exceptions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            var end = line.IndexOfAny([' ', '\t']);
            var rule = end < 0 ? line : line[..end];
            var exception = rule.StartsWith('!');
            if (ToAscii(exception ? rule[1..] : rule) is not { } ascii)
            {
                continue;
            }

            (exception ? exceptions : rules).Add(ascii);
        }

        return new PublicSuffixList(rules, exceptions);
    }

    /// <summary>The public suffix of <paramref name="domain"/> (e.g. <c>co.uk</c> for <c>a.b.example.co.uk</c>).</summary>
    public string GetPublicSuffix(string domain)
    {
        var labels = Labels(domain);
        return string.Join('.', labels[^SuffixLabels(labels)..]);
    }

    /// <summary>The organisational domain (RFC 7489 3.2): the public suffix and one more label; a domain that
    /// is itself a public suffix is its own organisational domain.</summary>
    public string GetOrganizationalDomain(string domain)
    {
        var labels = Labels(domain);
        var count = Math.Min(labels.Length, SuffixLabels(labels) + 1);
        return string.Join('.', labels[^count..]);
    }

    private int SuffixLabels(string[] labels)
    {
        var longest = 1; // the implicit rule "*"
        for (var start = 0; start < labels.Length; start++)
        {
            var length = labels.Length - start;
            var candidate = string.Join('.', labels[start..]);
            if (_exceptions.Contains(candidate))
            {
                // An exception prevails; its suffix is the rule without its leftmost label.
                return length - 1;
            }

            if (length > longest && (_rules.Contains(candidate) || (length > 1 && _rules.Contains("*." + string.Join('.', labels[(start + 1)..])))))
            {
                longest = length;
            }
        }

        return longest;
    }

    private static string[] Labels(string domain)
    {
        ArgumentException.ThrowIfNullOrEmpty(domain);
        var ascii = ToAscii(domain.TrimEnd('.')) ?? domain.TrimEnd('.').ToLowerInvariant();
        return ascii.Split('.');
    }

    // Rules and names compare in A-label form, lower case; "*" labels stay as they are.
    private static string? ToAscii(string name)
    {
        try
        {
            return string.Join('.', name.Split('.').Select(l => l == "*" || l.All(char.IsAscii) ? l.ToLowerInvariant() : Idn.GetAscii(l)));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
