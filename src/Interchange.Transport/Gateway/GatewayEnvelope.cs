using System.Text;
using Interchange.Core.Addressing;

namespace Interchange.Transport.Gateway;

/// <summary>
/// The envelope of a file exchanged with a foreign system: <c>X-Sender:</c> and one
/// <c>X-Receiver:</c> per recipient, as the first header fields of the file, before the message's
/// own header (the convention of hMailServer's and Exchange's pickup folders). Interchange writes
/// them on files it drops and reads (and removes) them from files it picks up.
/// </summary>
public sealed record GatewayEnvelope(string Sender, IReadOnlyList<string> Recipients)
{
    /// <summary>The longest envelope block read from a picked-up file.</summary>
    public const int MaxBlockBytes = 64 * 1024;

    /// <summary>The header block to put before the message.</summary>
    public byte[] Format()
    {
        var text = new StringBuilder();
        text.Append("X-Sender: ").Append(Checked(Sender, allowEmpty: true)).Append("\r\n");
        foreach (var recipient in Recipients)
        {
            text.Append("X-Receiver: ").Append(Checked(recipient, allowEmpty: false)).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>
    /// Reads the envelope fields at the start of <paramref name="file"/>: returns the envelope and
    /// how many bytes they take (the message starts after them), or an error for the log.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> file, out GatewayEnvelope envelope, out int length, out string error)
    {
        envelope = new GatewayEnvelope("", []);
        length = 0;
        string? sender = null;
        var recipients = new List<string>();
        while (true)
        {
            var rest = file[length..];
            var end = rest.IndexOf((byte)'\n');
            if (end < 0 || length + end >= MaxBlockBytes)
            {
                break;
            }

            var line = Encoding.UTF8.GetString(rest[..end]).TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = colon > 0 ? line[..colon] : "";
            var value = colon > 0 ? line[(colon + 1)..].Trim() : "";
            if (name.Equals("X-Sender", StringComparison.OrdinalIgnoreCase) && sender is null)
            {
                sender = Unbracket(value);
            }
            else if (name.Equals("X-Receiver", StringComparison.OrdinalIgnoreCase))
            {
                recipients.Add(Unbracket(value));
            }
            else
            {
                break;
            }

            length += end + 1;
        }

        if (sender is null || recipients.Count == 0)
        {
            error = "the file does not start with an X-Sender field and at least one X-Receiver field";
            return false;
        }

        if (sender.Length > 0 && !EmailAddress.TryParse(sender, out _, out var senderError))
        {
            error = $"X-Sender '{sender}': {senderError}";
            return false;
        }

        foreach (var recipient in recipients)
        {
            if (!EmailAddress.TryParse(recipient, out _, out var recipientError))
            {
                error = $"X-Receiver '{recipient}': {recipientError}";
                return false;
            }
        }

        envelope = new GatewayEnvelope(sender, recipients);
        error = "";
        return true;
    }

    private static string Unbracket(string value) =>
        value.Length >= 2 && value[0] == '<' && value[^1] == '>' ? value[1..^1] : value;

    /// <summary>Whether an address can be written as an envelope field: no line break or other control character, and not empty unless it is the sender (the null reverse-path of a DSN).</summary>
    public static bool CanWrite(string address, bool isSender)
    {
        ArgumentNullException.ThrowIfNull(address);
        return (address.Length > 0 || isSender) && !address.Any(char.IsControl);
    }

    // Addresses come from the queue (validated at RCPT), but a header line is no place to find out.
    private static string Checked(string address, bool allowEmpty)
    {
        if (!CanWrite(address, allowEmpty))
        {
            throw new ArgumentException($"not an address for an envelope field: '{address}'");
        }

        return "<" + address + ">";
    }
}
