using Interchange.Smtp.Protocol;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;

namespace Interchange.Smtp.Session;

/// <summary>The mail transaction in progress (RFC 5321 3.3): from MAIL to the end of DATA/BDAT, or RSET.</summary>
internal sealed class SmtpTransaction
{
    public SmtpPath? MailFrom { get; set; }

    public List<QueuedRecipient> Recipients { get; } = [];

    public string? EnvelopeId { get; set; }

    public string? Return { get; set; }

    public string? BodyType { get; set; }

    public bool SmtpUtf8 { get; set; }

    public IBlobWriter? Content { get; set; }

    public IncomingContent? Incoming { get; set; }

    public HeaderTraceCounter? Trace { get; set; }

    public long Size { get; set; }

    public bool TooBig { get; set; }
}
