using System.Text;

namespace Interchange.Directory.Ldap;

/// <summary>Search filters (RFC 4515): values from users are escaped, never pasted.</summary>
public static class LdapFilter
{
    /// <summary>
    /// Escapes an assertion value (RFC 4515 section 3): <c>*</c>, <c>(</c>, <c>)</c>, <c>\</c> and
    /// NUL become <c>\2a</c>, <c>\28</c>, <c>\29</c>, <c>\5c</c>, <c>\00</c>, so a login name such as
    /// <c>*)(uid=*</c> matches only itself. Other non-ASCII characters are sent as UTF-8, which
    /// the grammar allows (UTF1SUBSET).
    /// </summary>
    public static string EscapeValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '*':
                    builder.Append(@"\2a");
                    break;
                case '(':
                    builder.Append(@"\28");
                    break;
                case ')':
                    builder.Append(@"\29");
                    break;
                case '\\':
                    builder.Append(@"\5c");
                    break;
                case '\0':
                    builder.Append(@"\00");
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString();
    }

    /// <summary><c>(attribute=value)</c> with the value escaped.</summary>
    public static string Equality(string attribute, string value) => $"({attribute}={EscapeValue(value)})";

    /// <summary><c>(&amp;(a)(b)…)</c> of filters that are each already parenthesised.</summary>
    public static string And(params string[] filters) => filters.Length == 1 ? filters[0] : $"(&{string.Concat(filters)})";

    /// <summary>
    /// A cheap check of a configured filter: one parenthesised expression with balanced
    /// parentheses (escaped ones do not count). The server judges the rest.
    /// </summary>
    public static bool LooksBalanced(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return false;
        }

        filter = filter.Trim();
        if (filter[0] != '(' || filter[^1] != ')')
        {
            return false;
        }

        var depth = 0;
        for (var i = 0; i < filter.Length; i++)
        {
            switch (filter[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth < 0 || (depth == 0 && i != filter.Length - 1))
                    {
                        return false;
                    }

                    break;
            }
        }

        return depth == 0;
    }
}
