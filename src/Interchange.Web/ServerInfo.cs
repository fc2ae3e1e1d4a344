using System.Net;

namespace Interchange.Web;

/// <summary>
/// What the host tells the web side about the server it runs in: its name and, once they are
/// bound, its listeners (autoconfig names them; <c>/readyz</c> waits for them). Set by the host
/// after Kestrel has bound; read by any request.
/// </summary>
public sealed class ServerInfo(string hostName)
{
    /// <summary>The server's name (the primary domain unless configured): what clients are told to connect to.</summary>
    public string HostName { get; } = hostName;

    /// <summary>The listeners as bound (empty until the host calls <see cref="MarkBound"/>).</summary>
    public IReadOnlyList<ListenerInfo> Listeners { get; private set; } = [];

    public bool ListenersBound => Volatile.Read(ref _bound) != 0;

    private int _bound;

    public void MarkBound(IReadOnlyList<ListenerInfo> listeners)
    {
        Listeners = listeners;
        Volatile.Write(ref _bound, 1);
    }
}

/// <summary>One bound listener: <paramref name="Protocol"/> as configuration names it (<c>imaps</c>, <c>submission</c>, <c>https</c>…).</summary>
public sealed record ListenerInfo(string Protocol, IPEndPoint Endpoint, bool ImplicitTls);
