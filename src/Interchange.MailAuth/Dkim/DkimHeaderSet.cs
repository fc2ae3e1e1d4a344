using MimeKit;

namespace Interchange.MailAuth.Dkim;

/// <summary>Which header fields a signature covers (the <c>h=</c> tag, RFC 6376 3.5 and 5.4).</summary>
public static class DkimHeaderSet
{
    /// <summary>
    /// RFC 6376 5.4.1's list, with the MIME fields that say how to read the body (RFC 2045), and
    /// the List-* fields of RFC 2369 and 8058.
    /// </summary>
    public static IReadOnlyList<string> Recommended { get; } =
    [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID", "In-Reply-To", "References",
        "Resent-Date", "Resent-From", "Resent-To", "Resent-Cc",
        "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
        "List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner", "List-Archive", "List-Unsubscribe-Post",
    ];

    /// <summary>
    /// Fields never signed: trace fields that change in transit, Bcc (removed before sending),
    /// and the signatures themselves (RFC 6376 5.4, RFC 8617 4.1.2).
    /// </summary>
    public static IReadOnlySet<string> Never { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Return-Path", "Received", "Comments", "Keywords", "Bcc", "Resent-Bcc", "DKIM-Signature",
        "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results", "Authentication-Results",
    };

    /// <summary>
    /// The <c>h=</c> list for a message: each wanted field as many times as the message has it
    /// (a verifier takes instances from the bottom up, RFC 6376 5.4.2), absent ones left out, and
    /// From once more than present (oversigned: a From added later breaks the signature, which
    /// DMARC relies on). Lower case, in the order of <paramref name="wanted"/>.
    /// </summary>
    public static IReadOnlyList<string> For(MimeMessage message, IEnumerable<string>? wanted = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        // MimeKit keeps the top-level Content-* fields with the body entity, not the message.
        var headers = message.Headers.Concat(message.Body?.Headers.Where(h => h.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)) ?? []).ToList();
        var fields = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in wanted ?? Recommended)
        {
            var name = raw?.Trim();
            if (string.IsNullOrEmpty(name) || Never.Contains(name) || !seen.Add(name))
            {
                continue;
            }

            var present = headers.Count(h => string.Equals(h.Field, name, StringComparison.OrdinalIgnoreCase));
            var times = string.Equals(name, "From", StringComparison.OrdinalIgnoreCase) ? present + 1 : present;
            for (var i = 0; i < times; i++)
            {
                fields.Add(name.ToLowerInvariant());
            }
        }

        if (!seen.Contains("From"))
        {
            fields.Insert(0, "from");
        }

        return fields;
    }
}
