namespace Interchange.Web.Observability;

/// <param name="Ready">True when the server takes connections and can commit.</param>
/// <param name="Reason">Why not, in words fit for an HTTP caller.</param>
public sealed record ReadinessResult(bool Ready, string? Reason);
