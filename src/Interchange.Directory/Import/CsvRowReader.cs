using System.Runtime.CompilerServices;
using System.Text;

namespace Interchange.Directory.Import;

/// <summary>
/// RFC 4180 records: fields separated by commas, records by CRLF (a bare LF is taken too, as
/// every spreadsheet writes one or the other), a field in double quotes may hold commas, line
/// breaks and doubled quotes (section 2, rules 5-7). A malformed record (a quote inside an
/// unquoted field, text after a closing quote, a NUL, a record over the length limit) is
/// returned with its error and reading goes on at the next record; the limit is checked before
/// buffering, so one huge record costs no more memory than the limit.
/// </summary>
public sealed class CsvRowReader(TextReader reader, int maxRecordLength = 1 << 20)
{
    private readonly char[] _buffer = new char[16 * 1024];
    private int _position;
    private int _length;
    private int _line = 1;

    public async IAsyncEnumerable<CsvRow> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        while (true)
        {
            fields.Clear();
            field.Clear();
            var start = _line;
            string? error = null;
            var size = 0;
            var quoted = false;      // inside a quoted field
            var wasQuoted = false;   // the current field was quoted (and closed)
            var sawAny = false;
            var endOfInput = false;
            while (true)
            {
                if (_position == _length && !await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    endOfInput = true;
                    if (quoted)
                    {
                        error ??= $"a quoted field starting on line {start} is never closed";
                    }

                    break;
                }

                var c = _buffer[_position++];
                sawAny = true;
                if (c == '\n')
                {
                    _line++;
                }

                if (++size > maxRecordLength && error is null)
                {
                    error = $"the row is longer than {maxRecordLength} characters";
                    field.Clear();
                }

                if (quoted)
                {
                    if (c == '"')
                    {
                        if (_position == _length && !await FillAsync(cancellationToken).ConfigureAwait(false))
                        {
                            quoted = false;
                            wasQuoted = true;
                            continue;
                        }

                        if (_buffer[_position] == '"')
                        {
                            _position++;
                            Append(field, '"', error);
                        }
                        else
                        {
                            quoted = false;
                            wasQuoted = true;
                        }
                    }
                    else
                    {
                        if (c == '\0')
                        {
                            error ??= "the row contains a NUL character";
                        }

                        Append(field, c, error);
                    }

                    continue;
                }

                if (c == ',')
                {
                    fields.Add(error is null ? field.ToString() : "");
                    field.Clear();
                    wasQuoted = false;
                }
                else if (c == '\n')
                {
                    break;
                }
                else if (c == '\r')
                {
                    // CR ends the record when LF follows; a lone CR is data (kept, then refused by validation).
                    if (_position == _length && !await FillAsync(cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    if (_buffer[_position] != '\n')
                    {
                        Append(field, c, error);
                    }
                }
                else if (c == '"')
                {
                    if (field.Length == 0 && !wasQuoted)
                    {
                        quoted = true;
                    }
                    else
                    {
                        error ??= "a double quote inside a field that is not quoted (RFC 4180 section 2, rule 5: quote the field and double the quote)";
                    }
                }
                else if (wasQuoted)
                {
                    error ??= "text after the closing quote of a field";
                }
                else
                {
                    if (c == '\0')
                    {
                        error ??= "the row contains a NUL character";
                    }

                    Append(field, c, error);
                }
            }

            if (endOfInput && !sawAny)
            {
                yield break;
            }

            fields.Add(error is null ? field.ToString() : "");
            var blank = fields.Count == 1 && fields[0].Length == 0 && error is null && !wasQuoted;
            if (!blank)
            {
                yield return error is null ? new CsvRow(start, fields.ToArray()) : new CsvRow(start, [], error);
            }

            if (endOfInput)
            {
                yield break;
            }
        }
    }

    private static void Append(StringBuilder field, char c, string? error)
    {
        if (error is null)
        {
            field.Append(c);
        }
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        _length = await reader.ReadAsync(_buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        _position = 0;
        return _length > 0;
    }
}
