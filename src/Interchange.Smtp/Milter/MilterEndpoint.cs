using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Interchange.Smtp.Milter;

/// <summary>
/// Where a milter listens, as administrators write it for Postfix, Sendmail or the milter itself:
/// <c>unix:/run/opendkim/opendkim.sock</c> (also <c>local:</c>), <c>inet:8891@127.0.0.1</c> (the
/// milter's own <c>Socket</c> syntax; also <c>inet6:</c>), <c>inet:127.0.0.1:8891</c> (Postfix's
/// smtpd_milters), or plainly <c>127.0.0.1:8891</c>, <c>localhost:8891</c>, <c>[::1]:8891</c>.
/// </summary>
public sealed class MilterEndpoint
{
    private MilterEndpoint(string? path, string? host, int port, AddressFamily family)
    {
        Path = path;
        Host = host;
        Port = port;
        Family = family;
    }

    /// <summary>The Unix socket's path, or null for TCP.</summary>
    public string? Path { get; }

    /// <summary>The TCP host (name or address), or null for a Unix socket.</summary>
    public string? Host { get; }

    public int Port { get; }

    /// <summary><see cref="AddressFamily.InterNetworkV6"/> for <c>inet6:</c>, else unspecified.</summary>
    public AddressFamily Family { get; }

    public static bool TryParse(string? text, out MilterEndpoint endpoint, out string error)
    {
        endpoint = null!;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "no socket given";
            return false;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon > 0 ? text[..colon].ToLowerInvariant() : string.Empty;
        if (scheme is "unix" or "local")
        {
            var path = text[(colon + 1)..];
            if (!path.StartsWith('/'))
            {
                error = $"'{text}': a Unix socket needs an absolute path";
                return false;
            }

            endpoint = new MilterEndpoint(path, null, 0, AddressFamily.Unix);
            error = string.Empty;
            return true;
        }

        var family = scheme == "inet6" ? AddressFamily.InterNetworkV6 : AddressFamily.Unspecified;
        var rest = scheme is "inet" or "inet6" ? text[(colon + 1)..] : text;
        string host;
        string port;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            port = rest[..at];
            host = rest[(at + 1)..];
        }
        else if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= rest.Length || rest[close + 1] != ':')
            {
                error = $"'{text}': expected [address]:port";
                return false;
            }

            host = rest[1..close];
            port = rest[(close + 2)..];
        }
        else
        {
            var last = rest.LastIndexOf(':');
            if (last <= 0)
            {
                error = $"'{text}': expected unix:/path, inet:port@host, inet:host:port or host:port";
                return false;
            }

            host = rest[..last];
            port = rest[(last + 1)..];
        }

        host = host.Trim('[', ']');
        if (host.Length == 0 || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            error = $"'{text}': expected a host and a port from 1 to 65535";
            return false;
        }

        endpoint = new MilterEndpoint(null, host, number, family);
        error = string.Empty;
        return true;
    }

    /// <summary>The socket addresses to try, in order (a host name may have several).</summary>
    public async Task<IReadOnlyList<EndPoint>> ResolveAsync(CancellationToken cancellationToken)
    {
        if (Path is not null)
        {
            return [new UnixDomainSocketEndPoint(Path)];
        }

        if (IPAddress.TryParse(Host, out var address))
        {
            return [new IPEndPoint(address, Port)];
        }

        var addresses = await Dns.GetHostAddressesAsync(Host!, Family, cancellationToken).ConfigureAwait(false);
        return addresses.Select(a => (EndPoint)new IPEndPoint(a, Port)).ToList();
    }

    public override string ToString() =>
        Path is not null ? $"unix:{Path}" : Host!.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
