namespace Interchange.Storage.Routing;

/// <summary>A route change refused by the store, with a message fit for an administrator.</summary>
public sealed class RouteStoreException(RouteStoreError error, string message) : StoreException(message)
{
    public RouteStoreError Error { get; } = error;
}
