using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Interchange.Mime.Addresses;
using Interchange.Mime.Headers;
using Interchange.Mime.Writing;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;

namespace Interchange.Transport.Bounces;

/// <summary>
/// Builds the delivery status notification (RFC 3464) for one original message, covering all
/// the recipients given whose NOTIFY asks for it: <c>multipart/report;
/// report-type=delivery-status</c> (RFC 6522) with a plain-English account, the
/// <c>message/delivery-status</c> fields, and the original (<c>message/rfc822</c>) or its header
/// (<c>text/rfc822-headers</c>). It is sent from the null reverse-path to the original sender.
/// </summary>
/// <remarks>
/// What is returned (RFC 3461 4.3): the whole original in a failure report unless RET=HDRS;
/// only the header in delay and success reports, and when the original is larger than
/// <c>Transport:DsnReturnLimit</c> or has lines no SMTP transfer can carry (NUL, over 998
/// octets). Never a cut-off message/rfc822, which would be a broken MIME entity: as Postfix
/// does, a message too large comes back as its header. At most the limit is read from the content.
/// Internationalised mail (RFC 6533): the delivery-status part stays ASCII, non-ASCII addresses
/// in it written as <c>utf-8;</c> with \x{..} escapes; a header section with UTF-8 is returned
/// as message/global or message/global-headers; a non-ASCII sender makes the To field raw
/// UTF-8 (RFC 6532) and the envelope SMTPUTF8.
/// </remarks>
public sealed class DsnBuilder
{
    private const int MaxReplyLength = 2048;

    private readonly string _host;
    private readonly TransportOptions _options;
    private readonly TimeProvider _clock;

    /// <param name="reportingHost">Our host name: Reporting-MTA and MAILER-DAEMON's domain.</param>
    public DsnBuilder(string reportingHost, TransportOptions options, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _host = DsnFields.HostName(reportingHost) is { } host && !host.StartsWith('[')
            ? host
            : throw new ArgumentException($"'{reportingHost}' is not a host name.", nameof(reportingHost));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DsnReturnLimit, 0);
        _options = options;
        _clock = clock ?? TimeProvider.System;
    }

    public async Task<DsnResult> BuildAsync(DsnRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var sender = request.Envelope.MailFrom;

        // RFC 5321 4.5.5 and RFC 3461 6.2: nothing is ever sent about a message from <>.
        if (string.IsNullOrEmpty(sender) || sender == "<>")
        {
            return DsnResult.Skip(DsnSkipReason.NullSender);
        }

        var reported = request.Recipients
            .Where(r => DsnNotify.Requests(r.Notify, r.Action, _options.DelayWarningAfter is not null))
            .ToList();
        if (reported.Count == 0)
        {
            return DsnResult.Skip(DsnSkipReason.NotRequested);
        }

        if (ToMailbox(sender) is not { } to)
        {
            return DsnResult.Skip(DsnSkipReason.InvalidSender);
        }

        var warnings = new List<string>();
        var kind = reported.Any(r => r.Action == DsnAction.Failed) ? DsnAction.Failed
            : reported.Any(r => r.Action == DsnAction.Delayed) ? DsnAction.Delayed
            : DsnAction.Delivered;
        var wantsFull = kind == DsnAction.Failed && !string.Equals(request.Envelope.Return, "HDRS", StringComparison.OrdinalIgnoreCase);
        var returned = await ReturnedContent.ReadAsync(request.Content, wantsFull, _options.DsnReturnLimit, cancellationToken).ConfigureAwait(false);

        var utf8Sender = sender.Any(c => c > '~');
        var report = new OutgoingMultipart("report");
        report.Parameters.Add(new("report-type", "delivery-status"));
        report.Parts.Add(new OutgoingText(HumanText(kind, reported, returned, wantsFull, request.Content.Length)));
        report.Parts.Add(new OutgoingText(StatusFields(request, reported, warnings), "delivery-status", "message") { Encoding = Interchange.Mime.Encodings.TransferEncoding.SevenBit });
        var bytes = returned.Bytes;
        report.Parts.Add(new OutgoingEmbedded("message" == returned.MediaType ? "message" : "text", returned.MediaSubtype, () => new MemoryStream(bytes, writable: false))
        {
            TransferEncodingName = returned.EightBit ? "8bit" : "7bit",
        });

        var now = _clock.GetUtcNow();
        var message = new OutgoingMessage
        {
            Subject = kind switch
            {
                DsnAction.Failed => "Undelivered Mail Returned to Sender",
                DsnAction.Delayed => "Delayed Mail (still being retried)",
                _ => "Successful Mail Delivery Report",
            },
            Date = now,
            MessageId = $"<{now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}@{_host}>",
            Body = report,
        };
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON", _host));
        message.To.Add(to);

        // RFC 3834 5: an automatic response; well-behaved responders do not answer it.
        message.Headers.Add(new("Auto-Submitted", "auto-replied"));
        var writer = new MimeWriter(new MimeWriterOptions { Utf8Headers = utf8Sender });
        var content = await writer.ToBytesAsync(message, cancellationToken).ConfigureAwait(false);

        var envelope = new Envelope(
            MailFrom: string.Empty,
            Recipients: [new QueuedRecipient(sender)],
            Client: $"{_host} (delivery status notification)",
            BodyType: returned.EightBit ? "8BITMIME" : null,
            SmtpUtf8: utf8Sender || returned.MediaSubtype.StartsWith("global", StringComparison.Ordinal));
        return DsnResult.Built(envelope, content, reported, warnings);
    }

    // The reverse-path as a To mailbox; the SMTP server keeps a quoted local part with its quotes.
    private static MailboxAddress? ToMailbox(string sender)
    {
        var at = sender.LastIndexOf('@');
        if (at <= 0 || at == sender.Length - 1 || sender.Any(char.IsControl))
        {
            return null;
        }

        var local = sender[..at];
        if (local.Length >= 2 && local[0] == '"' && local[^1] == '"')
        {
            var unquoted = new StringBuilder(local.Length);
            for (var i = 1; i < local.Length - 1; i++)
            {
                if (local[i] == '\\' && i + 1 < local.Length - 1)
                {
                    i++;
                }

                unquoted.Append(local[i]);
            }

            local = unquoted.ToString();
        }

        return new MailboxAddress(null, local, sender[(at + 1)..]);
    }

    private string StatusFields(DsnRequest request, List<DsnRecipient> reported, List<string> warnings)
    {
        var text = new StringBuilder();

        // Per-message fields (RFC 3464 2.2).
        DsnFields.AppendField(text, "Reporting-MTA", "dns; " + _host);
        if (DsnFields.EnvelopeId(request.Envelope.EnvelopeId, out var envelopeProblem) is { } envelopeId)
        {
            DsnFields.AppendField(text, "Original-Envelope-Id", envelopeId);
        }
        else if (envelopeProblem is not null)
        {
            warnings.Add(envelopeProblem + "; Original-Envelope-Id left out");
        }

        DsnFields.AppendField(text, "Arrival-Date", MailDate.Format(request.ArrivalDate));

        // Per-recipient fields (RFC 3464 2.3), each group after a blank line.
        foreach (var recipient in reported)
        {
            text.Append("\r\n");
            if (recipient.OriginalRecipient is { } orcpt)
            {
                if (DsnFields.OriginalRecipient(orcpt, out var problem) is { } original)
                {
                    DsnFields.AppendField(text, "Original-Recipient", original);
                }
                else
                {
                    warnings.Add($"{problem} for <{DsnFields.AsciiLine(recipient.Address)}>; Original-Recipient left out");
                }
            }

            DsnFields.AppendField(text, "Final-Recipient", DsnFields.TypedAddress(recipient.Address));
            DsnFields.AppendField(text, "Action", recipient.Action.ToString().ToLowerInvariant());
            DsnFields.AppendField(text, "Status", Status(recipient));
            if (DsnFields.HostName(recipient.RemoteMta) is { } mta)
            {
                DsnFields.AppendField(text, "Remote-MTA", "dns; " + mta);
            }

            if (Reply(recipient.RemoteReply) is { } reply)
            {
                DsnFields.AppendField(text, "Diagnostic-Code", "smtp; " + DsnFields.AsciiLine(reply));
            }
            else if (!string.IsNullOrWhiteSpace(recipient.Reason))
            {
                DsnFields.AppendField(text, "Diagnostic-Code", "X-Interchange; " + DsnFields.AsciiLine(recipient.Reason));
            }

            if (recipient.LastAttempt is { } last)
            {
                DsnFields.AppendField(text, "Last-Attempt-Date", MailDate.Format(last));
            }

            if (recipient.Action == DsnAction.Delayed && recipient.WillRetryUntil is { } until)
            {
                DsnFields.AppendField(text, "Will-Retry-Until", MailDate.Format(until));
            }
        }

        return text.ToString();
    }

    private static string Status(DsnRecipient recipient)
    {
        var expected = recipient.Action switch
        {
            DsnAction.Failed => "5",
            DsnAction.Delayed => "4",
            _ => "2",
        };

        // A failure may carry a 4.x.x status (expiry is 4.4.7); a delay never a 5 or a 2.
        var fits = DsnFields.IsEnhancedStatus(recipient.Status)
            && (recipient.Status![0..1] == expected || (recipient.Action == DsnAction.Failed && recipient.Status[0] == '4'));
        return fits ? recipient.Status! : expected + ".0.0";
    }

    private static string? Reply(string? reply)
    {
        if (string.IsNullOrWhiteSpace(reply))
        {
            return null;
        }

        return reply.Length > MaxReplyLength ? reply[..MaxReplyLength] + "..." : reply;
    }

    private string HumanText(DsnAction kind, List<DsnRecipient> reported, ReturnedContent returned, bool wantsFull, long originalLength)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"This is a report from the mail server {_host}.\n\n");
        switch (kind)
        {
            case DsnAction.Failed:
                text.Append("Your message could not be delivered to one or more of its recipients,\n");
                text.Append("and will not be retried for them. Each one is listed below with the\n");
                text.Append("reason. Forward this report to your postmaster if you need help.\n\n");
                break;
            case DsnAction.Delayed:
                text.Append("This is only a warning: there is no need to send your message again.\n\n");
                text.Append("Your message has not reached the recipients below yet. Delivery is\n");
                text.Append("still being tried, and you will hear again if it is given up.\n\n");
                break;
            default:
                text.Append("Your message reached the recipients below, as you asked to be told.\n\n");
                break;
        }

        if (wantsFull && !returned.IsFull)
        {
            text.Append(CultureInfo.InvariantCulture, $"Your message was too large to return in full ({originalLength} bytes),\n");
            text.Append("so only its header is attached.\n\n");
        }

        foreach (var recipient in reported)
        {
            var what = recipient.Action switch
            {
                DsnAction.Failed => "delivery failed.",
                DsnAction.Delayed => "delivery is delayed" + (recipient.WillRetryUntil is { } until ? $"; retries continue until {MailDate.Format(until)}." : "."),
                DsnAction.Delivered => "delivered.",
                DsnAction.Relayed => "passed on to a system that does not report delivery.",
                _ => "delivered to the members of a list or alias.",
            };
            text.Append(Wrap($"<{DsnFields.TextLine(recipient.Address)}>: {what}", string.Empty));
            if (Reply(recipient.RemoteReply) is { } reply)
            {
                var host = DsnFields.HostName(recipient.RemoteMta);
                text.Append(Wrap((host is null ? "The remote server said: " : $"The server {host} said: ") + DsnFields.TextLine(reply), "    "));
            }

            if (!string.IsNullOrWhiteSpace(recipient.Reason))
            {
                text.Append(Wrap(DsnFields.TextLine(recipient.Reason), "    "));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static string Wrap(string line, string indent)
    {
        const int width = 72;
        var text = new StringBuilder();
        var length = 0;
        foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (length > 0 && length + 1 + word.Length > width)
            {
                text.Append('\n');
                length = 0;
            }

            if (length == 0)
            {
                text.Append(indent).Append(word);
                length = indent.Length + word.Length;
            }
            else
            {
                text.Append(' ').Append(word);
                length += 1 + word.Length;
            }
        }

        return text.Append('\n').ToString();
    }
}
