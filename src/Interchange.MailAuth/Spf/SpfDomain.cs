using System.Buffers;

namespace Interchange.MailAuth.Spf;

/// <summary>Domain-name rules of RFC 7208 4.3 and 7.3.</summary>
internal static class SpfDomain
{
    public const int MaxLength = 253;
    public const int MaxLabelLength = 63;

    public static readonly SearchValues<char> LabelCharacters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

    /// <summary>4.3: a <c>domain</c> to check must be a multi-label name with no empty label (a trailing
    /// dot aside) and no label over 63 octets; otherwise the result is "none". Address literals
    /// ("[192.0.2.1]") and spaces fail here too.</summary>
    public static bool IsValidDomain(string domain)
    {
        var name = domain.EndsWith('.') ? domain[..^1] : domain;
        if (name.Length is 0 or > MaxLength)
        {
            return false;
        }

        var labels = 0;
        foreach (var range in name.AsSpan().Split('.'))
        {
            var label = name.AsSpan()[range];
            if (label.IsEmpty || label.Length > MaxLabelLength)
            {
                return false;
            }

            foreach (var c in label)
            {
                // Printable ASCII other than the characters that cannot be in a DNS query name we build.
                if (c is <= ' ' or > '~' or '[' or ']' or '@' or '\\' or '"')
                {
                    return false;
                }
            }

            labels++;
        }

        return labels >= 2;
    }

    /// <summary>7.3: an expanded name longer than 253 characters loses labels from the left until it fits;
    /// a trailing dot is dropped (the resolver adds the root).</summary>
    public static string Truncate(string name)
    {
        if (name.EndsWith('.'))
        {
            name = name[..^1];
        }

        if (name.Length <= MaxLength)
        {
            return name;
        }

        // One cut, not a label at a time: a hostile record can expand to hundreds of kilobytes.
        var start = name.Length - MaxLength;
        if (name[start - 1] != '.')
        {
            var dot = name.IndexOf('.', start);
            if (dot < 0)
            {
                return string.Empty;
            }

            start = dot + 1;
        }

        return name[start..];
    }

    /// <summary>Whether a name built by macro expansion can be asked of DNS at all: no empty label and no label over 63.</summary>
    public static bool IsQueryable(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var range in name.AsSpan().Split('.'))
        {
            var length = range.End.Value - range.Start.Value;
            if (length is 0 or > MaxLabelLength)
            {
                return false;
            }
        }

        return true;
    }
}
