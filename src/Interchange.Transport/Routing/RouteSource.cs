namespace Interchange.Transport.Routing;

/// <summary>Where a route came from.</summary>
public enum RouteSource
{
    /// <summary>The configuration's <c>Transport:Routes</c>, read at start.</summary>
    Configuration,

    /// <summary>The store, changed by <c>interchange route add|remove</c> at any time.</summary>
    Store,
}
