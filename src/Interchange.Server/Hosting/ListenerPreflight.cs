using System.Net;
using System.Net.Sockets;
using Interchange.Server.Configuration;

namespace Interchange.Server.Hosting;

/// <summary>
/// Tries each fixed port before Kestrel does, so that the usual failures (port in use, no
/// permission for a port below 1024) are one clear line naming the protocol rather than a
/// hosting stack trace. Kestrel's own bind remains the authority; this only reports early.
/// </summary>
public static class ListenerPreflight
{
    public static string? Check(IEnumerable<ListenerBinding> listeners)
    {
        foreach (var listener in listeners.Where(l => l.Requested.Port != 0))
        {
            var address = listener.Requested.Localhost ? IPAddress.Loopback : listener.Requested.Address ?? IPAddress.IPv6Any;
            try
            {
                using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                if (address.Equals(IPAddress.IPv6Any))
                {
                    socket.DualMode = true;
                }

                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(new IPEndPoint(address, listener.Requested.Port));
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied or SocketError.AddressNotAvailable)
            {
                return $"cannot listen for {listener.Protocol.Name()} on {listener.Requested}: {ex.Message}";
            }
            catch (SocketException ex) when (address.Equals(IPAddress.IPv6Any) && ex.SocketErrorCode == SocketError.AddressFamilyNotSupported)
            {
                // No IPv6 here: Kestrel falls back to 0.0.0.0 itself.
            }
        }

        return null;
    }
}
