using System.Runtime.CompilerServices;
using System.Text;

namespace Interchange.Directory.Import;

/// <summary>
/// RFC 2849 LDIF content records: an optional <c>version: 1</c> line, records separated by blank
/// lines, comments (<c>#</c>, folded comments included), folded lines (a line starting with one
/// space continues the previous one), <c>attr: SAFE-STRING</c> and <c>attr:: BASE64</c> values.
/// <c>attr:&lt; URL</c> is refused: a file must not make the server read other files. A change
/// record other than <c>changetype: add</c> is refused. A malformed record is returned with its
/// error and reading goes on at the next one; lines are bounded (<see cref="BoundedLineReader"/>)
/// and only the attributes in <paramref name="wanted"/> are decoded and kept.
/// </summary>
public sealed class LdifRecordReader(TextReader reader, ISet<string> wanted, int maxLineLength = 1 << 20)
{
    private readonly BoundedLineReader _lines = new(reader, maxLineLength);

    public async IAsyncEnumerable<LdifRecord> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var first = true;
        while (true)
        {
            var attributes = new List<KeyValuePair<string, string>>();
            string? dn = null;
            string? error = null;
            var start = 0;
            while (await NextLogicalLineAsync(cancellationToken).ConfigureAwait(false) is { } logical)
            {
                var (line, number, tooLong) = logical;
                if (line.Length == 0 && !tooLong)
                {
                    if (dn is not null || error is not null)
                    {
                        break; // end of the record
                    }

                    continue; // blank lines between records
                }

                if (start == 0)
                {
                    start = number;
                }

                if (tooLong)
                {
                    error ??= $"line {number} is longer than {maxLineLength} characters";
                    continue;
                }

                if (!TryParseAttribute(line, out var name, out var value, out var problem))
                {
                    error ??= $"{problem} (line {number})";
                    continue;
                }

                if (dn is null && error is null)
                {
                    if (first && name == "version")
                    {
                        first = false;
                        if (value.Trim() != "1")
                        {
                            throw new InvalidDataException($"LDIF version {value.Trim()} is not supported (RFC 2849 defines version 1) (line {number})");
                        }

                        start = 0;
                        continue;
                    }

                    if (name != "dn")
                    {
                        error = $"a record must start with 'dn:', not '{name}:' (line {number})";
                        continue;
                    }

                    first = false;
                    dn = Decode(value, out problem) ?? "";
                    error ??= problem is null ? null : $"{problem} (line {number})";
                    continue;
                }

                if (name == "changetype")
                {
                    var type = value.Trim();
                    if (!type.Equals("add", StringComparison.OrdinalIgnoreCase))
                    {
                        error ??= $"change records ('changetype: {type}') are not imported; export the directory's content instead (line {number})";
                    }

                    continue;
                }

                if (name == "-")
                {
                    error ??= $"change records are not imported (line {number})";
                    continue;
                }

                if (wanted.Contains(name))
                {
                    var decoded = Decode(value, out problem);
                    if (decoded is null)
                    {
                        error ??= $"{name}: {problem} (line {number})";
                    }
                    else
                    {
                        attributes.Add(new(name, decoded));
                    }
                }
                else if (value.StartsWith('<'))
                {
                    error ??= $"{name}: values from URLs (':<') are refused (line {number})";
                }
            }

            if (start == 0 && dn is null && error is null)
            {
                yield break; // end of input
            }

            yield return new LdifRecord(start, dn ?? "", attributes, error);
        }
    }

    /// <summary>
    /// Splits <c>name[;options]: value</c>; <paramref name="value"/> keeps its marker (a leading
    /// ':' for base64, '&lt;' for a URL) for <see cref="Decode"/>.
    /// </summary>
    private static bool TryParseAttribute(string line, out string name, out string value, out string? problem)
    {
        problem = null;
        if (line == "-")
        {
            name = "-";
            value = "";
            return true;
        }

        var colon = line.IndexOf(':', StringComparison.Ordinal);
        name = value = "";
        if (colon <= 0)
        {
            problem = "expected 'attribute: value'";
            return false;
        }

        var description = line[..colon];
        var semicolon = description.IndexOf(';', StringComparison.Ordinal);
        name = (semicolon < 0 ? description : description[..semicolon]).Trim().ToLowerInvariant();
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
        {
            problem = $"'{Shorten(description)}' is not an attribute name";
            return false;
        }

        value = line[(colon + 1)..];
        return true;
    }

    /// <summary>The value after the colon: ': text', ':: base64' (RFC 2849 value-spec), or null with the problem.</summary>
    private static string? Decode(string value, out string? problem)
    {
        problem = null;
        if (value.StartsWith(':'))
        {
            try
            {
                var bytes = Convert.FromBase64String(value[1..].Trim());
                var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
                if (text.Contains('\0', StringComparison.Ordinal))
                {
                    problem = "the value contains a NUL character";
                    return null;
                }

                return text;
            }
            catch (FormatException)
            {
                problem = "the base64 value is malformed";
                return null;
            }
            catch (DecoderFallbackException)
            {
                problem = "the base64 value is not UTF-8 text";
                return null;
            }
        }

        if (value.StartsWith('<'))
        {
            problem = "values from URLs (':<') are refused";
            return null;
        }

        var text2 = value.TrimStart(' ');
        if (text2.Contains('\0', StringComparison.Ordinal))
        {
            problem = "the value contains a NUL character";
            return null;
        }

        return text2;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>The next unfolded, non-comment line, with the number of its first physical line.</summary>
    private async ValueTask<(string Line, int Number, bool TooLong)?> NextLogicalLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var tooLong = false;
            var line = await _lines.ReadLineAsync(cancellationToken, d => tooLong = d).ConfigureAwait(false);
            if (line is null)
            {
                return null;
            }

            var number = _lines.LineNumber;
            var comment = !tooLong ? line.StartsWith('#') : _lines.FirstChar == '#';

            // Unfold: continuation lines start with exactly one space (RFC 2849 note 2). Once the
            // logical line is over the limit (or a comment), the rest is passed over unread.
            var logical = new StringBuilder(comment ? "" : line);
            while (await _lines.PeekAsync(cancellationToken).ConfigureAwait(false) == ' ')
            {
                if (tooLong || comment)
                {
                    await _lines.SkipLineAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var dropped = false;
                var next = await _lines.ReadLineAsync(cancellationToken, d => dropped = d).ConfigureAwait(false);
                if (dropped || logical.Length + next!.Length - 1 > maxLineLength)
                {
                    tooLong = true;
                    logical.Clear();
                    continue;
                }

                logical.Append(next, 1, next.Length - 1);
            }

            if (comment)
            {
                continue;
            }

            return (tooLong ? "" : logical.ToString(), number, tooLong);
        }
    }
}
