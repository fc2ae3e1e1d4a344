using System.Globalization;
using Interchange.Mime.Parsing;

namespace Interchange.Mime.Imap;

/// <summary>
/// IMAP section numbering over a parsed message (RFC 3501 §6.4.5): part numbers count the
/// body parts of a multipart from 1; a message that is not multipart has only part 1, its
/// body; the sub-parts of a message/rfc822 part are those of the message inside it, and its
/// HEADER and TEXT are that message's.
/// </summary>
public static class ImapSection
{
    /// <summary>
    /// Resolves "", "HEADER", "TEXT", "1", "1.2.MIME", "3.HEADER", "4.2.TEXT",
    /// "HEADER.FIELDS (From To)"...; case-insensitive; null when there is no such section.
    /// </summary>
    public static SectionRange? Resolve(MimePart message, string section)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(section);
        var spec = section.Trim();
        MimePart? part = null;
        var context = message;
        var i = 0;

        // Part numbers: digits followed by '.' or the end.
        while (i < spec.Length && char.IsAsciiDigit(spec[i]))
        {
            var start = i;
            while (i < spec.Length && char.IsAsciiDigit(spec[i]))
            {
                i++;
            }

            if (!int.TryParse(spec.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
            {
                return null;
            }

            part = Child(context, contextIsMessage: part is null, number);
            if (part is null)
            {
                return null;
            }

            context = part;
            if (i < spec.Length)
            {
                if (spec[i] != '.')
                {
                    return null;
                }

                i++;
                if (i == spec.Length)
                {
                    return null; // "1." is not a section
                }
            }
        }

        var text = spec[i..];
        if (part is null)
        {
            // No part number: the message itself.
            return text.Length == 0
                ? new SectionRange(message.Range, SectionKind.Content, message)
                : MessageText(message, text);
        }

        if (text.Length == 0)
        {
            return new SectionRange(part.BodyRange, SectionKind.Content, part);
        }

        if (text.Equals("MIME", StringComparison.OrdinalIgnoreCase))
        {
            return new SectionRange(part.HeaderRange, SectionKind.Mime, part);
        }

        // HEADER, TEXT and HEADER.FIELDS after a part number need a message/rfc822 part.
        return part.Kind == MimePartKind.Message && part.EmbeddedMessage is { } embedded ? MessageText(embedded, text) : null;
    }

    /// <summary>The part that a section path of numbers only ("1.2.3") names, or null.</summary>
    public static MimePart? FindPart(MimePart message, string partNumber) =>
        Resolve(message, partNumber) is { Kind: SectionKind.Content } range && partNumber.Length > 0 ? range.Part : null;

    // Part n under the context. The same node can be reached in two roles: the message itself
    // (at the start), whose parts are its multipart children or, when it is not multipart,
    // itself as part 1; or a part, whose sub-parts are its children when multipart, or those
    // of the message inside it when message/rfc822.
    private static MimePart? Child(MimePart context, bool contextIsMessage, int number)
    {
        var message = context;
        if (!contextIsMessage)
        {
            if (context.Kind == MimePartKind.Multipart)
            {
                return number <= context.Children.Count ? context.Children[number - 1] : null;
            }

            if (context.Kind != MimePartKind.Message || context.EmbeddedMessage is null)
            {
                return null;
            }

            message = context.EmbeddedMessage;
        }

        if (message.Kind == MimePartKind.Multipart)
        {
            return number <= message.Children.Count ? message.Children[number - 1] : null;
        }

        return number == 1 ? message : null;
    }

    private static SectionRange? MessageText(MimePart message, string text)
    {
        if (text.Equals("HEADER", StringComparison.OrdinalIgnoreCase))
        {
            return new SectionRange(message.HeaderRange, SectionKind.Header, message);
        }

        if (text.Equals("TEXT", StringComparison.OrdinalIgnoreCase))
        {
            return new SectionRange(message.BodyRange, SectionKind.Text, message);
        }

        const string fields = "HEADER.FIELDS";
        if (!text.StartsWith(fields, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var rest = text[fields.Length..];
        var kind = SectionKind.HeaderFields;
        if (rest.StartsWith(".NOT", StringComparison.OrdinalIgnoreCase))
        {
            kind = SectionKind.HeaderFieldsNot;
            rest = rest[4..];
        }

        rest = rest.Trim();
        if (rest.Length > 0 && !(rest.StartsWith('(') && rest.EndsWith(')')))
        {
            return null;
        }

        var names = rest.Trim('(', ')').Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return new SectionRange(message.HeaderRange, kind, message) { FieldNames = names };
    }
}
