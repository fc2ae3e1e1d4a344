using System.Globalization;
using System.Text;
using Interchange.Mime.Parsing;

namespace Interchange.Tests.Mime;

/// <summary>Invariants every parse must satisfy, and a full textual description of a parse for comparisons.</summary>
internal static class MimeStructureChecks
{
    /// <summary>Returns the first broken invariant, or null when the structure is sound for <paramref name="input"/>.</summary>
    public static string? FindViolation(MessageStructure structure, byte[] input)
    {
        var root = structure.Root;
        if (structure.Length != input.Length || root.HeaderStart != 0 || root.BodyEnd != input.Length)
        {
            return $"root spans [{root.HeaderStart}, {root.BodyEnd}) and Length {structure.Length}, input has {input.Length} bytes";
        }

        var count = 0;
        foreach (var part in structure.Parts)
        {
            count++;
            var name = $"{part.ContentType.MimeType} {part.Range}";
            if (!(part.HeaderStart <= part.BodyStart && part.BodyStart <= part.BodyEnd && part.BodyEnd <= input.Length))
            {
                return $"{name}: offsets out of order (body {part.BodyRange})";
            }

            var breaks = CountLineBreaks(input, part.BodyRange);
            if (part.BodyLines != breaks)
            {
                return $"{name}: BodyLines {part.BodyLines}, the body has {breaks} line breaks";
            }

            var previousEnd = part.BodyStart;
            foreach (var child in part.Children)
            {
                if (child.HeaderStart < previousEnd || child.BodyEnd > part.BodyEnd || child.Parent != part || child.Depth != part.Depth + 1)
                {
                    return $"{name}: child {child.Range} not nested in order within body {part.BodyRange}";
                }

                previousEnd = child.BodyEnd;
            }

            if (part.EmbeddedMessage is { } embedded
                && (embedded.HeaderStart != part.BodyStart || embedded.BodyEnd > part.BodyEnd || !embedded.IsMessage))
            {
                return $"{name}: embedded message {embedded.Range} not at the start of body {part.BodyRange}";
            }

            var kindFits = part.Kind switch
            {
                MimePartKind.Multipart => part.ContentType.IsMultipart && part.EmbeddedMessage is null,
                MimePartKind.Message => part.ContentType.IsEmbeddedMessage && part.EmbeddedMessage is not null && part.Children.Count == 0,
                _ => part.EmbeddedMessage is null && part.Children.Count == 0,
            };
            if (!kindFits)
            {
                return $"{name}: kind {part.Kind} does not fit its content type and children";
            }

            foreach (var range in new[] { part.Preamble, part.Epilogue })
            {
                if (range is { } r && (r.Start < part.BodyStart || r.End > part.BodyEnd || r.Length < 0))
                {
                    return $"{name}: preamble/epilogue {r} outside body {part.BodyRange}";
                }
            }

            var fieldEnd = part.HeaderStart;
            foreach (var field in part.Headers)
            {
                if (field.Offset < fieldEnd || field.Offset + field.Length > part.BodyStart || field.Raw.Length > field.Length)
                {
                    return $"{name}: header {field.Name} at {field.Offset} (+{field.Length}) outside the header {part.HeaderRange}";
                }

                if (!input.AsSpan((int)field.Offset, field.Raw.Length).SequenceEqual(field.Raw.Span))
                {
                    return $"{name}: header {field.Name} bytes differ from the input at {field.Offset}";
                }

                fieldEnd = field.Offset + field.Length;
            }
        }

        return count == structure.PartCount ? null : $"{count} parts in the tree, PartCount says {structure.PartCount}";
    }

    /// <summary>
    /// Line breaks in a range, as the parser defines them, counted independently: LF and CR LF
    /// (with any CRs before the LF) always; a lone CR only before the message's first LF.
    /// </summary>
    public static long CountLineBreaks(byte[] input, ByteRange range)
    {
        var firstLineFeed = Array.IndexOf(input, (byte)'\n');
        long count = 0;
        for (var i = (int)range.Start; i < range.End; i++)
        {
            if (input[i] == '\n')
            {
                count++;
            }
            else if (input[i] == '\r')
            {
                var j = i;
                while (j < range.End && input[j] == '\r')
                {
                    j++;
                }

                if (j < range.End && input[j] == '\n')
                {
                    count++;
                    i = j;
                    continue;
                }

                if (firstLineFeed < 0 || j <= firstLineFeed)
                {
                    count += j - i;
                }

                i = j - 1;
            }
        }

        return count;
    }

    /// <summary>Everything the parser recorded, one line per part and field, for equality checks.</summary>
    public static string Describe(MessageStructure structure)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"length={structure.Length} parts={structure.PartCount}\n");
        foreach (var part in structure.Parts)
        {
            text.Append(CultureInfo.InvariantCulture, $"{new string(' ', part.Depth * 2)}{part.ContentType.MimeType} kind={part.Kind} header={part.HeaderRange} body={part.BodyRange} lines={part.BodyLines} ");
            text.Append(CultureInfo.InvariantCulture, $"pre={part.Preamble} epi={part.Epilogue} limits={part.LimitsHit} defects={part.Defects} fields={part.Headers.Count}/{part.Headers.TotalCount}\n");
            foreach (var field in part.Headers)
            {
                text.Append(CultureInfo.InvariantCulture, $"{new string(' ', part.Depth * 2)}  {field.Name}@{field.Offset}+{field.Length}:{Convert.ToHexString(field.Raw.Span)}\n");
            }
        }

        return text.ToString();
    }

    public static byte[] Slice(byte[] input, ByteRange range) => input.AsSpan((int)range.Start, (int)range.Length).ToArray();

    public static string Text(byte[] input, ByteRange range) => Encoding.UTF8.GetString(input, (int)range.Start, (int)range.Length);
}
