namespace Interchange.Storage.Routing;

public enum RouteStoreError
{
    /// <summary>No stored route matches what was to be removed.</summary>
    NotFound,

    /// <summary>The same address space already routes to the same connector (and smart host or gateway).</summary>
    Duplicate,

    /// <summary>The address space is a local domain: its mail goes to the local store, never to a route.</summary>
    LocalDomain,
}
