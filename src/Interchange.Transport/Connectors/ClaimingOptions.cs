namespace Interchange.Transport.Connectors;

/// <summary>How a remote connector (<see cref="ClaimingConnector"/>) owns its work.</summary>
/// <param name="Workers">Workers claiming at once; each attempt holds one.</param>
/// <param name="Lease">How long a claim owns its items before another worker may take them; renewed while the attempt runs.</param>
/// <param name="Node">This server's name in claim owners ("node/connector/worker"), released at start (<c>IQueueStore.ReleaseClaimsAsync</c>).</param>
public sealed record ClaimingOptions(int Workers, TimeSpan Lease, string Node);
