namespace Interchange.Directory.Import;

/// <summary>RFC 4180 rows: CRLF after each, a field quoted when it holds a comma, a quote, CR or LF (quotes doubled), or starts with a space.</summary>
public sealed class CsvRowWriter(TextWriter writer)
{
    public async Task WriteRowAsync(IReadOnlyList<string> fields, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                await writer.WriteAsync(',').ConfigureAwait(false);
            }

            await writer.WriteAsync(Quote(fields[i]).AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        await writer.WriteAsync("\r\n".AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    public static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || field.StartsWith(' ') || field.EndsWith(' ')
            ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : field;
}
