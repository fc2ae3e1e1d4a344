namespace Interchange.Imap.Protocol;

/// <summary>
/// A LIST or LSUB mailbox pattern (RFC 3501 6.3.8): <c>*</c> matches any run of characters,
/// <c>%</c> any run without the hierarchy delimiter, and a pattern that starts with INBOX matches
/// it in any case. Matched by dynamic programming over one row of the name, so a match costs at
/// most pattern length times name length and never backtracks: a pattern of many wildcards
/// (which took a regular expression to its timeout and the session down with it) is cheap.
/// </summary>
public sealed class ListPattern
{
    private readonly string _pattern;
    private readonly int _literals;
    private readonly int _caseless;
    private readonly char _delimiter;

    public ListPattern(string pattern, char delimiter = '/')
    {
        ArgumentNullException.ThrowIfNull(pattern);
        _delimiter = delimiter;

        // A run of wildcards is one: with a '*' in it, it is '*'; otherwise '%'.
        var collapsed = new System.Text.StringBuilder(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c is '*' or '%')
            {
                var star = false;
                while (i < pattern.Length && pattern[i] is '*' or '%')
                {
                    star |= pattern[i] == '*';
                    i++;
                }

                i--;
                collapsed.Append(star ? '*' : '%');
                continue;
            }

            collapsed.Append(c);
            _literals++;
        }

        _pattern = collapsed.ToString();
        _caseless = _pattern.StartsWith("INBOX", StringComparison.OrdinalIgnoreCase) ? 5 : 0;
    }

    public bool IsMatch(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_literals > name.Length)
        {
            return false; // each literal character needs one of the name's
        }

        // row[j]: the pattern so far matches name[..j].
        var row = name.Length < 256 ? stackalloc bool[name.Length + 1] : new bool[name.Length + 1];
        row.Clear();
        row[0] = true;
        for (var i = 0; i < _pattern.Length; i++)
        {
            var p = _pattern[i];
            if (p == '*')
            {
                var any = false;
                for (var j = 0; j < row.Length; j++)
                {
                    any |= row[j];
                    row[j] = any;
                }
            }
            else if (p == '%')
            {
                var reach = false;
                for (var j = 0; j < row.Length; j++)
                {
                    reach = row[j] || (reach && name[j - 1] != _delimiter);
                    row[j] = reach;
                }
            }
            else
            {
                var caseless = i < _caseless;
                for (var j = row.Length - 1; j > 0; j--)
                {
                    row[j] = row[j - 1] && (caseless ? char.ToUpperInvariant(name[j - 1]) == char.ToUpperInvariant(p) : name[j - 1] == p);
                }

                row[0] = false;
            }
        }

        return row[^1];
    }
}
