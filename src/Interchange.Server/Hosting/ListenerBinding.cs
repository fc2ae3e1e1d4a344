using System.Net;
using Interchange.Server.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Interchange.Server.Hosting;

/// <summary>One configured listener and, once Kestrel has bound it, the endpoint it got.</summary>
public sealed class ListenerBinding(MailProtocol protocol, ListenEndpoint endpoint)
{
    public MailProtocol Protocol { get; } = protocol;

    public ListenEndpoint Requested { get; } = endpoint;

    /// <summary>Kestrel's options for it; after start, their endpoint carries the bound port.</summary>
    public List<ListenOptions> Options { get; } = [];

    public IEnumerable<IPEndPoint> Bound => Options.Select(o => o.IPEndPoint).OfType<IPEndPoint>();
}
