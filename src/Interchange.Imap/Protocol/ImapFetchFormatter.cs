using System.Buffers;
using System.Text;
using Interchange.Mime.Headers;
using Interchange.Mime.Imap;
using Interchange.Mime.Parsing;

namespace Interchange.Imap.Protocol;

/// <summary>
/// ENVELOPE, BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) from Interchange.Mime's
/// parse. Case: media types, subtypes, parameter names, encodings and disposition types are
/// sent upper case, as the RFC's examples and Cyrus do (the MIME parser keeps them lower
/// case, not as received; clients compare them case-insensitively); parameter values as
/// received.
/// </summary>
public static class ImapFetchFormatter
{
    /// <summary>The ENVELOPE value, parenthesised.</summary>
    public static byte[] Envelope(Envelope envelope, bool utf8Accept = false) => Format(w => WriteEnvelope(w, envelope), utf8Accept);

    /// <summary>BODYSTRUCTURE (<paramref name="extensible"/>) or BODY of the message.</summary>
    public static byte[] BodyStructure(MessageStructure message, bool extensible, bool utf8Accept = false)
    {
        ArgumentNullException.ThrowIfNull(message);
        return BodyStructure(message.Root, extensible, utf8Accept);
    }

    /// <summary>BODYSTRUCTURE (<paramref name="extensible"/>) or BODY of one part, as <c>body</c>.</summary>
    public static byte[] BodyStructure(MimePart part, bool extensible, bool utf8Accept = false) =>
        Format(w => WriteBodyStructure(w, part, extensible), utf8Accept);

    // envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
    public static void WriteEnvelope(ImapResponseWriter writer, Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(envelope);
        writer.BeginList();
        writer.NString(envelope.Date);
        writer.NString(envelope.Subject);
        WriteAddresses(writer, envelope.From);
        WriteAddresses(writer, envelope.Sender);
        WriteAddresses(writer, envelope.ReplyTo);
        WriteAddresses(writer, envelope.To);
        WriteAddresses(writer, envelope.Cc);
        WriteAddresses(writer, envelope.Bcc);
        writer.NString(envelope.InReplyTo);
        writer.NString(envelope.MessageId);
        writer.EndList();
    }

    public static void WriteBodyStructure(ImapResponseWriter writer, MimePart part, bool extensible)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(part);
        if (part.Kind == MimePartKind.Multipart)
        {
            WriteMultipart(writer, part, extensible);
        }
        else
        {
            WriteSinglePart(writer, part, extensible);
        }
    }

    // env-from etc. = "(" 1*address ")" / nil; groups as (NIL NIL "name" NIL) ... (NIL NIL NIL NIL)
    private static void WriteAddresses(ImapResponseWriter writer, IReadOnlyList<Interchange.Mime.Addresses.Address> addresses)
    {
        var flat = EnvelopeAddress.Flatten(addresses);
        if (flat.Count == 0)
        {
            writer.Nil();
            return;
        }

        writer.BeginList();
        foreach (var address in flat)
        {
            var marker = address.IsGroupStart || address.IsGroupEnd;
            writer.Adjoin().BeginList();
            writer.NString(address.Name);
            writer.NString(address.Route);
            writer.NString(address.Mailbox);

            // A NIL host means group syntax; a mailbox written without a domain gets "" so it is not read as one.
            writer.NString(marker ? address.Host : address.Host ?? string.Empty);
            writer.EndList();
        }

        writer.EndList();
    }

    // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    private static void WriteMultipart(ImapResponseWriter writer, MimePart part, bool extensible)
    {
        writer.BeginList();
        if (part.Children.Count == 0)
        {
            // The boundary never appeared: the grammar needs one body, so an empty text part
            // stands in (Dovecot does the same).
            writer.BeginList().String("TEXT").String("PLAIN").BeginList().String("CHARSET").String("US-ASCII").EndList()
                .Nil().Nil().String("7BIT").Number(0).Number(0).EndList();
        }

        foreach (var child in part.Children)
        {
            writer.Adjoin();
            WriteBodyStructure(writer, child, extensible);
        }

        writer.String(part.ContentType.MediaSubtype.ToUpperInvariant());
        if (extensible)
        {
            // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
            WriteParameters(writer, part.ContentType.Parameters);
            WriteExtensionTail(writer, part);
        }

        writer.EndList();
    }

    // body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
    private static void WriteSinglePart(ImapResponseWriter writer, MimePart part, bool extensible)
    {
        var type = part.ContentType;
        var embedded = part.Kind == MimePartKind.Message && type.IsEmbeddedMessage ? part.EmbeddedMessage : null;
        var (mediaType, subtype) = (type.MediaType.ToUpperInvariant(), type.MediaSubtype.ToUpperInvariant());
        if (type.IsMultipart || (type.IsEmbeddedMessage && embedded is null))
        {
            // Not subdivided (a parser limit): a client would expect parts or an envelope after
            // these types, so the content is presented as opaque bytes.
            (mediaType, subtype) = ("APPLICATION", "OCTET-STREAM");
        }

        writer.BeginList();
        writer.String(mediaType);
        writer.String(subtype);

        // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
        WriteParameters(writer, type.Parameters);
        writer.NString(part.ContentId);
        writer.NString(part.ContentDescription);
        writer.String(part.TransferEncodingName.ToUpperInvariant());
        writer.Number((ulong)part.BodyOctets);
        if (embedded is not null)
        {
            // body-type-msg: envelope SP body SP body-fld-lines
            WriteEnvelope(writer, embedded.Envelope);
            WriteBodyStructure(writer, embedded, extensible);
            writer.Number((ulong)part.BodyLines);
        }
        else if (type.IsText)
        {
            writer.Number((ulong)part.BodyLines);
        }

        if (extensible)
        {
            // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
            writer.NString(part.ContentMd5);
            WriteExtensionTail(writer, part);
        }

        writer.EndList();
    }

    // body-fld-dsp SP body-fld-lang SP body-fld-loc
    private static void WriteExtensionTail(ImapResponseWriter writer, MimePart part)
    {
        if (part.ContentDisposition is { } disposition)
        {
            writer.BeginList().String(disposition.Disposition.ToUpperInvariant());
            WriteParameters(writer, disposition.Parameters);
            writer.EndList();
        }
        else
        {
            writer.Nil();
        }

        var languages = part.ContentLanguage;
        if (languages.Count == 0)
        {
            writer.Nil();
        }
        else if (languages.Count == 1)
        {
            writer.String(languages[0]);
        }
        else
        {
            writer.BeginList();
            foreach (var language in languages)
            {
                writer.String(language);
            }

            writer.EndList();
        }

        writer.NString(part.ContentLocation);
    }

    // body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
    private static void WriteParameters(ImapResponseWriter writer, ParameterList parameters)
    {
        if (parameters.Count == 0)
        {
            writer.Nil();
            return;
        }

        writer.BeginList();
        foreach (var parameter in parameters)
        {
            var name = parameter.Name.ToUpperInvariant();
            if (writer.Utf8Accept || Ascii.IsValid(parameter.Value))
            {
                writer.String(name).String(parameter.Value);
            }
            else
            {
                // The parser decoded RFC 2231; a client without UTF8=ACCEPT gets it re-encoded
                // (name*=utf-8''%XX), which mail clients decode, rather than 8-bit in a literal.
                writer.String(name + "*").String(Rfc2231Encode(parameter.Value));
            }
        }

        writer.EndList();
    }

    private static string Rfc2231Encode(string value)
    {
        var builder = new StringBuilder("utf-8''");
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            // attribute-char: printable ASCII except tspecials, "*", "'", "%" and space.
            if (b is > 0x20 and < 0x7F && "()<>@,;:\\\"/[]?=*'%".IndexOf((char)b, StringComparison.Ordinal) < 0)
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static byte[] Format(Action<ImapResponseWriter> write, bool utf8Accept)
    {
        var output = new ArrayBufferWriter<byte>();
        write(new ImapResponseWriter(output, utf8Accept));
        return output.WrittenSpan.ToArray();
    }
}
