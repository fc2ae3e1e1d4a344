using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Connections;

namespace Interchange.Core.Net.Sessions;

/// <summary>
/// What a listener hands a protocol for one connection: the client's address (an IPv4 client on a
/// dual-stack socket as plain IPv4, so limits and logs name it one way), a short random id for the
/// log, the transport, whether the listener already did TLS, and the token that fires when the peer goes;
/// the client's port and the local end point when the listener knows them (SMTP filters pass them on).
/// </summary>
public sealed record AcceptedConnection(IPAddress Client, string Id, IDuplexPipe Transport, bool Tls, CancellationToken Closed, int ClientPort = 0, IPEndPoint? Local = null)
{
    public static AcceptedConnection From(ConnectionContext connection, bool tls)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var client = (connection.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        if (client.IsIPv4MappedToIPv6)
        {
            client = client.MapToIPv4();
        }

        return new AcceptedConnection(
            client,
            NewId(),
            connection.Transport,
            tls,
            connection.ConnectionClosed,
            (connection.RemoteEndPoint as IPEndPoint)?.Port ?? 0,
            connection.LocalEndPoint as IPEndPoint);
    }

    /// <summary>Twelve hex digits: unique enough to follow one session through a day's log.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
}
