using Interchange.Mime.Addresses;
using Interchange.Mime.Headers;

namespace Interchange.Mime.Imap;

/// <summary>
/// The RFC 3501 ENVELOPE of a message, from its top-level header: strings as written (unfolded,
/// encoded words intact, as IMAP sends them) plus decoded conveniences. Sender and Reply-To
/// default to From when absent or empty (RFC 3501 §7.4.2).
/// </summary>
public sealed class Envelope
{
    private Envelope()
    {
    }

    /// <summary>The Date field as written.</summary>
    public string? Date { get; private init; }

    /// <summary>The Date field parsed, or null when absent or unreadable.</summary>
    public DateTimeOffset? ParsedDate { get; private init; }

    /// <summary>The Subject as written (encoded words intact).</summary>
    public string? Subject { get; private init; }

    /// <summary>The Subject with encoded words decoded.</summary>
    public string? DecodedSubject { get; private init; }

    public IReadOnlyList<Address> From { get; private init; } = [];

    public IReadOnlyList<Address> Sender { get; private init; } = [];

    public IReadOnlyList<Address> ReplyTo { get; private init; } = [];

    public IReadOnlyList<Address> To { get; private init; } = [];

    public IReadOnlyList<Address> Cc { get; private init; } = [];

    public IReadOnlyList<Address> Bcc { get; private init; } = [];

    public string? InReplyTo { get; private init; }

    public string? MessageId { get; private init; }

    public static Envelope FromHeaders(HeaderList headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var from = AddressParser.ParseList(headers.GetText("From"));
        var sender = AddressParser.ParseList(headers.GetText("Sender"));
        var replyTo = AddressParser.ParseList(headers.GetText("Reply-To"));
        var date = headers.GetText("Date");
        var subject = headers["Subject"];
        return new Envelope
        {
            Date = date,
            ParsedDate = MailDate.Parse(date),
            Subject = subject?.Text,
            DecodedSubject = subject?.Value,
            From = from,
            Sender = sender.Count > 0 ? sender : from,
            ReplyTo = replyTo.Count > 0 ? replyTo : from,
            To = AddressParser.ParseList(headers.GetText("To")),
            Cc = AddressParser.ParseList(headers.GetText("Cc")),
            Bcc = AddressParser.ParseList(headers.GetText("Bcc")),
            InReplyTo = headers.GetText("In-Reply-To"),
            MessageId = headers.GetText("Message-ID"),
        };
    }
}
