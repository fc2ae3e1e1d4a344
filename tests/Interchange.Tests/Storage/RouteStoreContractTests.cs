using Interchange.Storage.Accounts;
using Interchange.Storage.Routing;
using Shouldly;

namespace Interchange.Tests.Storage;

/// <summary>
/// What every <see cref="IRouteStore"/> must do, whatever the backend: routes are added, listed
/// and removed, a duplicate or a local domain is refused, and every change moves the version a
/// watcher polls. A backend's test class says how to make a fresh, empty store.
/// </summary>
public abstract class RouteStoreContractTests : IAsyncLifetime
{
    protected IRouteStore Routes { get; private set; } = null!;

    protected IDirectoryStore Directory { get; private set; } = null!;

    /// <summary>A fresh, empty route store and the directory over the same database.</summary>
    protected abstract Task<(IRouteStore Routes, IDirectoryStore Directory)> CreateStoresAsync();

    protected abstract Task DisposeStoresAsync();

    public async Task InitializeAsync() => (Routes, Directory) = await CreateStoresAsync();

    public Task DisposeAsync() => DisposeStoresAsync();

    [Fact]
    public async Task Routes_are_added_listed_and_removed_and_each_change_moves_the_version()
    {
        var empty = await Routes.ListAsync();
        empty.Routes.ShouldBeEmpty();
        (await Routes.VersionAsync()).ShouldBe(empty.Version);

        await Routes.AddAsync(new RouteRecord("example.com", "smtp", 5, "[192.0.2.1]:587", "required"));
        await Routes.AddAsync(new RouteRecord("example.com", "ccmail", 1, Gateway: "ccmail-post-office"));
        await Routes.AddAsync(new RouteRecord("*", "smtp", 10, "relay.example.net:25"));

        var listed = await Routes.ListAsync();
        listed.Version.ShouldBe(empty.Version + 3);
        listed.Routes.ShouldBe(
        [
            new RouteRecord("*", "smtp", 10, "relay.example.net:25"),
            new RouteRecord("example.com", "ccmail", 1, Gateway: "ccmail-post-office"),
            new RouteRecord("example.com", "smtp", 5, "[192.0.2.1]:587", "required"),
        ]);

        (await Routes.RemoveAsync("example.com", "smtp")).ShouldBe(1);
        (await Routes.ListAsync()).Routes.Select(r => (r.AddressSpace, r.Connector)).ShouldBe([("*", "smtp"), ("example.com", "ccmail")]);
        (await Routes.RemoveAsync("*")).ShouldBe(1);
        (await Routes.RemoveAsync("example.com")).ShouldBe(1);
        (await Routes.ListAsync()).Routes.ShouldBeEmpty();
        (await Routes.VersionAsync()).ShouldBe(empty.Version + 6);
    }

    [Fact]
    public async Task A_duplicate_is_refused_but_a_second_smart_host_for_the_same_space_is_another_route()
    {
        await Routes.AddAsync(new RouteRecord("example.com", "smtp", 1, "a.relay.test:25"));
        var version = await Routes.VersionAsync();

        var duplicate = await Should.ThrowAsync<RouteStoreException>(() => Routes.AddAsync(new RouteRecord("example.com", "smtp", 7, "a.relay.test:25", "required")));
        duplicate.Error.ShouldBe(RouteStoreError.Duplicate);
        duplicate.Message.ShouldContain("already exists");
        (await Routes.VersionAsync()).ShouldBe(version); // the refused change left nothing, not even the version bump

        await Routes.AddAsync(new RouteRecord("example.com", "smtp", 1, "b.relay.test:25"));
        (await Routes.ListAsync()).Routes.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_route_for_a_local_domain_is_refused_with_a_clear_message()
    {
        await Directory.AddDomainAsync("local.test");

        var refused = await Should.ThrowAsync<RouteStoreException>(() => Routes.AddAsync(new RouteRecord("local.test", "smtp", 1)));
        refused.Error.ShouldBe(RouteStoreError.LocalDomain);
        refused.Message.ShouldContain("local.test is a local domain");
        (await Routes.ListAsync()).Routes.ShouldBeEmpty();

        // Its subdomains are other domains: a wildcard may name them (local domains still win at routing).
        await Routes.AddAsync(new RouteRecord("*.local.test", "smtp", 1));
    }

    [Fact]
    public async Task Removing_what_is_not_there_is_refused()
    {
        await Routes.AddAsync(new RouteRecord("example.com", "smtp", 1));
        (await Should.ThrowAsync<RouteStoreException>(() => Routes.RemoveAsync("example.org"))).Error.ShouldBe(RouteStoreError.NotFound);
        (await Should.ThrowAsync<RouteStoreException>(() => Routes.RemoveAsync("example.com", "ccmail"))).Error.ShouldBe(RouteStoreError.NotFound);
        (await Routes.ListAsync()).Routes.Count.ShouldBe(1);
    }
}
