using Interchange.Directory.Resolution;
using Interchange.Transport.Connectors;

namespace Interchange.Transport.Routing;

/// <summary>
/// Chooses the connector for each final destination the directory resolved. Today: users of
/// this server go to the local connector and every other address to <see cref="SmtpConnector"/>,
/// which the next issue adds (until then such deliveries wait in the queue, as they always
/// have). Address spaces with costs and gateways replace this decision, not its callers.
/// </summary>
public sealed class RoutingTable
{
    /// <summary>The connector that will send to other hosts.</summary>
    public const string SmtpConnector = "smtp";

    public string ConnectorFor(ResolvedRecipient destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return destination.IsLocal ? LocalConnector.ConnectorName : SmtpConnector;
    }
}
