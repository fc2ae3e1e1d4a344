namespace Interchange.Transport.Gateway;

/// <summary>
/// A gateway to a foreign mail system that exchanges files (the modern cc:Mail connector;
/// <c>Transport:Gateways</c> in configuration, one entry per foreign system).
/// </summary>
public sealed class GatewayOptions
{
    /// <summary>The connector name routes use for this gateway (<c>route add example.org gateway</c>): lower case, unique, neither <c>local</c> nor <c>smtp</c>.</summary>
    public string Name { get; set; } = "gateway";

    /// <summary>Where messages for the foreign system are written, one <c>&lt;queue id&gt;-&lt;domain&gt;.eml</c> per message and recipient domain; empty: nothing is sent to the foreign system.</summary>
    public string DropFolder { get; set; } = "";

    /// <summary>Where the foreign system leaves messages for Interchange; empty: no pickup.</summary>
    public string PickupFolder { get; set; } = "";

    /// <summary>How often the pickup folder is looked at.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Files larger than this are set aside in <c>.bad</c> instead of injected.</summary>
    public long MaxMessageSize { get; set; } = 50L * 1024 * 1024;

    /// <summary>Attempts writing into the drop folder at once (each holds one claimed batch).</summary>
    public int Workers { get; set; } = 4;

    /// <summary>How long an attempt owns its recipients before another worker may take them; renewed while it runs (a write to a slow share).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);
}
