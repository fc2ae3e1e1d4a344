using System.Globalization;
using System.Net;
using System.Text;

namespace Interchange.Smtp.Session;

/// <summary>The trace field a relay adds (RFC 5321 4.4, protocol names per RFC 3848 and RFC 6531).</summary>
public static class ReceivedHeader
{
    public static byte[] Build(string helo, IPAddress client, string host, bool extended, bool tls, bool authenticated, bool utf8, string id, string? singleRecipient, DateTimeOffset now)
    {
        var protocol = (utf8 ? "UTF8SMTP" : extended ? "ESMTP" : "SMTP") + (tls ? "S" : string.Empty) + (authenticated ? "A" : string.Empty);
        if (!extended && !utf8)
        {
            protocol = "SMTP";
        }

        var text = new StringBuilder();
        text.Append("Received: from ").Append(Sanitize(helo)).Append(" ([").Append(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).Append("])\r\n");
        text.Append("\tby ").Append(host).Append(" (Interchange) with ").Append(protocol).Append(" id ").Append(id);
        if (singleRecipient is not null)
        {
            text.Append("\r\n\tfor <").Append(singleRecipient).Append('>');
        }

        text.Append("; ").Append(Date(now)).Append("\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>An RFC 5322 date-time in UTC, as our trace fields and the fields submission adds write it.</summary>
    public static string Date(DateTimeOffset now) =>
        now.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    /// <summary>The HELO name is the client's word: keep it printable and short so it cannot forge header structure.</summary>
    private static string Sanitize(string helo)
    {
        var clean = new string(helo.Where(c => c > ' ' && c != '(' && c != ')' && c != ';' && c < 127).Take(255).ToArray());
        return clean.Length == 0 ? "unknown" : clean;
    }
}
