using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Interchange.Core.Addressing;

namespace Interchange.Transport.Routing;

/// <summary>
/// A relay a route sends through instead of the recipient domain's MX: <c>host:port</c> (the
/// host's address records, no MX lookup, as Postfix's <c>[host]</c>) or <c>[ip]:port</c> (an
/// address literal, IPv6 too). The port defaults to 25.
/// </summary>
public sealed record SmartHost(string Host, int Port, bool IsAddressLiteral)
{
    public const int DefaultPort = 25;

    public override string ToString() => IsAddressLiteral
        ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}"
        : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static SmartHost Parse(string text) =>
        TryParse(text, out var host, out var error) ? host : throw new FormatException(error);

    public static bool TryParse(string? text, out SmartHost host, out string error)
    {
        host = null!;
        var trimmed = text?.Trim() ?? string.Empty;
        string name;
        string? port = null;
        var literal = trimmed.StartsWith('[');
        if (literal)
        {
            var close = trimmed.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return Fail(text, out error);
            }

            name = trimmed[1..close];
            var rest = trimmed[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    return Fail(text, out error);
                }

                port = rest[1..];
            }
        }
        else
        {
            var colon = trimmed.LastIndexOf(':');
            (name, port) = colon < 0 ? (trimmed, null) : (trimmed[..colon], trimmed[(colon + 1)..]);
        }

        var number = DefaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number is < 1 or > 65535))
        {
            return Fail(text, out error);
        }

        if (IPAddress.TryParse(name, out var address) && (literal || address.AddressFamily == AddressFamily.InterNetwork))
        {
            host = new SmartHost(address.ToString(), number, IsAddressLiteral: true);
        }
        else if (!literal && DomainName.TryParse(name, out var domain, out _))
        {
            host = new SmartHost(domain.Value, number, IsAddressLiteral: false);
        }
        else
        {
            return Fail(text, out error);
        }

        error = string.Empty;
        return true;
    }

    private static bool Fail(string? text, out string error)
    {
        error = $"'{text}' is not a smart host: write host:port or [ip]:port (port 1-65535, default {DefaultPort})";
        return false;
    }
}
