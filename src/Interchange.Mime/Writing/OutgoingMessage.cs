using Interchange.Mime.Addresses;

namespace Interchange.Mime.Writing;

/// <summary>
/// A message to write: the RFC 5322 header fields the server sets, extra fields, and a body
/// entity. Date and From are required by RFC 5322; the writer writes what is set and no more.
/// </summary>
public sealed class OutgoingMessage
{
    public IList<Address> From { get; } = [];

    public MailboxAddress? Sender { get; set; }

    public IList<Address> ReplyTo { get; } = [];

    public IList<Address> To { get; } = [];

    public IList<Address> Cc { get; } = [];

    public IList<Address> Bcc { get; } = [];

    public string? Subject { get; set; }

    public DateTimeOffset? Date { get; set; }

    /// <summary>Message-ID with angle brackets.</summary>
    public string? MessageId { get; set; }

    public string? InReplyTo { get; set; }

    public string? References { get; set; }

    /// <summary>More header fields (Auto-Submitted, X-...), written as unstructured text.</summary>
    public IList<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>The body; null writes an empty text/plain body.</summary>
    public OutgoingEntity? Body { get; set; }
}
