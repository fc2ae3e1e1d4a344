using System.Security.Cryptography;
using System.Text;
using Interchange.Mime.Addresses;
using Interchange.Mime.Headers;

namespace Interchange.Mime.Writing;

/// <summary>
/// Writes messages for the server's own use (bounces, DSNs, notices): header fields folded at
/// 78 columns, non-ASCII text as RFC 2047 words (or raw UTF-8 with
/// <see cref="MimeWriterOptions.Utf8Headers"/>), addresses quoted as needed, CRLF line ends,
/// generated boundaries, and attachments streamed.
/// </summary>
public sealed class MimeWriter
{
    public MimeWriter(MimeWriterOptions? options = null)
    {
        Options = options ?? MimeWriterOptions.Default;
    }

    public MimeWriterOptions Options { get; }

    public async Task WriteAsync(OutgoingMessage message, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(output);
        var header = new StringBuilder();
        if (message.Date is { } date)
        {
            header.Append(FormatRawHeader("Date", MailDate.Format(date)));
        }

        AppendAddresses(header, "From", message.From);
        if (message.Sender is { } sender)
        {
            AppendAddresses(header, "Sender", [sender]);
        }

        AppendAddresses(header, "Reply-To", message.ReplyTo);
        AppendAddresses(header, "To", message.To);
        AppendAddresses(header, "Cc", message.Cc);
        AppendAddresses(header, "Bcc", message.Bcc);
        if (message.Subject is not null)
        {
            header.Append(FormatHeader("Subject", message.Subject));
        }

        if (message.MessageId is not null)
        {
            header.Append(FormatRawHeader("Message-ID", message.MessageId));
        }

        if (message.InReplyTo is not null)
        {
            header.Append(FormatRawHeader("In-Reply-To", message.InReplyTo));
        }

        if (message.References is not null)
        {
            header.Append(FormatRawHeader("References", message.References));
        }

        foreach (var (name, value) in message.Headers)
        {
            header.Append(FormatHeader(name, value));
        }

        header.Append("MIME-Version: 1.0\r\n");
        await WriteTextAsync(output, header.ToString(), cancellationToken);
        var body = message.Body ?? new OutgoingText(string.Empty);
        await body.WriteAsync(this, output, cancellationToken);
    }

    /// <summary>Writes one entity (its MIME header and content) on its own.</summary>
    public Task WriteEntityAsync(OutgoingEntity entity, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return entity.WriteAsync(this, output, cancellationToken);
    }

    public async Task<byte[]> ToBytesAsync(OutgoingMessage message, CancellationToken cancellationToken = default)
    {
        using var output = new MemoryStream();
        await WriteAsync(message, output, cancellationToken);
        return output.ToArray();
    }

    /// <summary>An unstructured field (Subject, Comments, X-...), folded, encoded where needed, with CRLF.</summary>
    public string FormatHeader(string name, string value)
    {
        var folder = new HeaderFolder(name, Options.MaxHeaderLineLength);
        HeaderFormatter.AddUnstructured(folder, value, Options.Utf8Headers);
        return folder.ToString();
    }

    /// <summary>An address-list field (From, To, Cc...), folded after commas, with CRLF.</summary>
    public string FormatAddressHeader(string name, IEnumerable<Address> addresses)
    {
        var folder = new HeaderFolder(name, Options.MaxHeaderLineLength);
        AddressFormatter.AddList(folder, addresses, Options.Utf8Headers);
        return folder.ToString();
    }

    /// <summary>A field with a value and parameters (Content-Type, Content-Disposition), with CRLF.</summary>
    public string FormatParameterHeader(string name, string value, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        if (value.Any(char.IsControl))
        {
            throw new ArgumentException("The value must be a single line without control characters.", nameof(value));
        }

        var folder = new HeaderFolder(name, Options.MaxHeaderLineLength);
        folder.Add(value);
        HeaderFormatter.AddParameters(folder, parameters, Options.Utf8Headers);
        return folder.ToString();
    }

    /// <summary>An ASCII structured value (Message-ID, Date) written as given, folded at its whitespace.</summary>
    public string FormatRawHeader(string name, string value)
    {
        var folder = new HeaderFolder(name, Options.MaxHeaderLineLength);
        foreach (var word in value.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            folder.Add(word);
        }

        return folder.ToString();
    }

    internal string NewBoundary()
    {
        if (Options.BoundaryFactory is { } factory)
        {
            return factory();
        }

        // "=_" cannot occur in base64 or quoted-printable output, and 128 random bits cannot
        // plausibly occur in a copied message either.
        return "=_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    }

    internal async Task WriteTextAsync(Stream output, string text, CancellationToken cancellationToken)
    {
        await output.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
    }

    private void AppendAddresses(StringBuilder header, string name, ICollection<Address> addresses)
    {
        if (addresses.Count > 0)
        {
            header.Append(FormatAddressHeader(name, addresses));
        }
    }
}
