using System.Text;

namespace Interchange.Directory.Import;

/// <summary>
/// RFC 2849 output: <c>version: 1</c>, records separated by a blank line, a value written as
/// base64 (<c>::</c>) when it is not a SAFE-STRING (starts with a space, ':' or '&lt;', ends with a
/// space, or holds anything but printable ASCII), lines folded at 76 characters.
/// </summary>
public sealed class LdifWriter(TextWriter writer)
{
    private const int Width = 76;
    private bool _started;

    public async Task WriteRecordAsync(string dn, IEnumerable<(string Name, string Value)> attributes, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        if (!_started)
        {
            text.Append("version: 1\n");
            _started = true;
        }

        text.Append('\n');
        Line(text, "dn", dn);
        foreach (var (name, value) in attributes)
        {
            Line(text, name, value);
        }

        await writer.WriteAsync(text, cancellationToken).ConfigureAwait(false);
    }

    private static void Line(StringBuilder text, string name, string value)
    {
        var line = IsSafe(value) ? $"{name}: {value}" : $"{name}:: {Convert.ToBase64String(Encoding.UTF8.GetBytes(value))}";
        // Fold: the first line holds Width characters, each continuation a space and Width - 1 more.
        text.Append(line.AsSpan(0, Math.Min(Width, line.Length))).Append('\n');
        for (var i = Width; i < line.Length; i += Width - 1)
        {
            text.Append(' ').Append(line.AsSpan(i, Math.Min(Width - 1, line.Length - i))).Append('\n');
        }
    }

    /// <summary>RFC 2849 SAFE-STRING, narrowed to printable ASCII (anything else goes base64, as OpenLDAP writes it).</summary>
    public static bool IsSafe(string value)
    {
        if (value.Length == 0)
        {
            return true;
        }

        if (value[0] is ' ' or ':' or '<' || value[^1] == ' ')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c < 0x20 || c > 0x7e)
            {
                return false;
            }
        }

        return true;
    }
}
