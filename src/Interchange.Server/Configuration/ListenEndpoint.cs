using System.Globalization;
using System.Net;

namespace Interchange.Server.Configuration;

/// <summary>
/// One address to listen on: <c>HOST:PORT</c> where HOST is an IPv4 address, a bracketed IPv6
/// address, <c>*</c> (every address, IPv6 and IPv4) or <c>localhost</c>; PORT 0 picks a free port.
/// </summary>
public sealed record ListenEndpoint(IPAddress? Address, bool Localhost, int Port)
{
    public static bool TryParse(string? text, out ListenEndpoint endpoint, out string error)
    {
        endpoint = null!;
        var value = text?.Trim() ?? string.Empty;
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || colon == value.Length - 1)
        {
            error = $"'{text}' is not HOST:PORT";
            return false;
        }

        var hostPart = value[..colon];
        if (!int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"'{text}': the port must be a number from 0 to 65535";
            return false;
        }

        if (hostPart is "*" or "[::]" or "::")
        {
            endpoint = new ListenEndpoint(null, false, port);
        }
        else if (string.Equals(hostPart, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            endpoint = new ListenEndpoint(null, true, port);
        }
        else
        {
            var bare = hostPart.StartsWith('[') && hostPart.EndsWith(']') ? hostPart[1..^1] : hostPart;
            if (!IPAddress.TryParse(bare, out var address) || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !hostPart.StartsWith('[')))
            {
                error = $"'{text}': the host must be an IP address ([v6] in brackets), * or localhost";
                return false;
            }

            endpoint = new ListenEndpoint(address, false, port);
        }

        error = string.Empty;
        return true;
    }

    public override string ToString() =>
        Localhost ? $"localhost:{Port}" : Address is null ? $"*:{Port}" : new IPEndPoint(Address, Port).ToString();
}
