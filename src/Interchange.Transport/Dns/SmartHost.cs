using System.Globalization;
using System.Net;

namespace Interchange.Transport.Dns;

/// <summary>A relay host as configured, Postfix relayhost style: "host", "host:port", "[host]:port",
/// "[ip]:port" ("[IPv6:...]" accepted too). A name in brackets skips the MX lookup (its A/AAAA
/// records are used); a bare name is looked up as a mail domain (MX, then its own addresses).</summary>
public sealed record SmartHost(string Host, int Port, bool SkipMx)
{
    /// <summary>The address when <see cref="Host"/> is an IP literal.</summary>
    public IPAddress? Address => IPAddress.TryParse(Host, out var address) ? address : null;

    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> on anything else, so a bad
    /// setting stops the start rather than every delivery.</summary>
    public static SmartHost Parse(string text, int defaultPort = 25)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        string host;
        string? port = null;
        var bracketed = value.StartsWith('[');
        if (bracketed)
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"smart host '{text}': no closing bracket");
            }

            host = value[1..close];
            if (host.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
            {
                host = host[5..];
            }

            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                port = rest.StartsWith(':') ? rest[1..] : throw new FormatException($"smart host '{text}': ':port' expected after ']'");
            }
        }
        else
        {
            // A bare IPv6 address is ambiguous with a port; ask for brackets.
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && value.LastIndexOf(':') != colon)
            {
                throw new FormatException($"smart host '{text}': write an IPv6 address in brackets, [2001:db8::1]:25");
            }

            host = colon < 0 ? value : value[..colon];
            port = colon < 0 ? null : value[(colon + 1)..];
        }

        if (host.Length == 0)
        {
            throw new FormatException($"smart host '{text}': no host");
        }

        var number = defaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535))
        {
            throw new FormatException($"smart host '{text}': bad port '{port}'");
        }

        var isAddress = IPAddress.TryParse(host, out _);
        if (isAddress && !bracketed)
        {
            // RFC 5321 4.1.3: an address is a literal only in brackets; take the meaning anyway, it is unambiguous.
            bracketed = true;
        }

        return new SmartHost(host.TrimEnd('.'), number, bracketed);
    }

    public override string ToString() =>
        SkipMx ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
