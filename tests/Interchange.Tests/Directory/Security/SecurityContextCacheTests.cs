using Interchange.Directory.Security;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Directory.Security;

public sealed class SecurityContextCacheTests : IAsyncLifetime
{
    private DirectoryTestEnvironment _env = null!;

    private SecurityContextCache Cache => _env.Contexts;

    public async Task InitializeAsync()
    {
        _env = await DirectoryTestEnvironment.CreateAsync();
        await _env.Service.AddDomainAsync("example.com");
        await _env.Service.AddUserAsync("alice@example.com", "alice-password");
        await _env.Service.AddUserAsync("bob@example.com", "bob-password");
    }

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task An_unknown_user_has_no_context_and_nothing_is_cached()
    {
        var ex = await Should.ThrowAsync<UserNotFoundException>(async () => await Cache.GetAsync("ghost@example.com"));

        ex.UserKey.ShouldBe("ghost@example.com");
        Cache.Count.ShouldBe(0);
    }

    [Fact]
    public async Task A_context_is_built_once_and_shared()
    {
        var first = await Cache.GetAsync("alice@example.com");
        var second = await Cache.GetAsync("alice@example.com");
        var bob = await Cache.GetAsync("bob@example.com");

        second.ShouldBeSameAs(first);
        bob.ShouldNotBeSameAs(first);
        Cache.Count.ShouldBe(2);
    }

    [Fact]
    public async Task Concurrent_first_requests_share_one_context()
    {
        using var start = new Barrier(16);
        var contexts = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                return Cache.GetAsync("alice@example.com").AsTask();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap()));

        contexts.Distinct().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Invalidating_without_revoking_marks_the_old_context_stale_and_builds_a_new_one()
    {
        var old = await Cache.GetAsync("alice@example.com");

        Cache.Invalidate("alice@example.com", revoke: false).ShouldBeTrue();

        old.IsStale.ShouldBeTrue();
        old.IsRevoked.ShouldBeFalse();
        Cache.Count.ShouldBe(0);
        var fresh = await Cache.GetAsync("alice@example.com");
        fresh.ShouldNotBeSameAs(old);
        fresh.IsStale.ShouldBeFalse();
        Cache.Invalidate("nobody@example.com", revoke: false).ShouldBeFalse();
    }

    [Fact]
    public async Task Revoking_marks_the_old_context_revoked_but_not_the_next_one()
    {
        var old = await Cache.GetAsync("alice@example.com");
        var bob = await Cache.GetAsync("bob@example.com");

        Cache.Invalidate("alice@example.com", revoke: true).ShouldBeTrue();

        old.IsRevoked.ShouldBeTrue();
        bob.IsRevoked.ShouldBeFalse();
        var fresh = await Cache.GetAsync("alice@example.com");
        fresh.IsRevoked.ShouldBeFalse();
        fresh.IsStale.ShouldBeFalse();
    }

    [Fact]
    public async Task Revoking_cancels_the_revoked_token_of_every_older_context_and_tells_waiting_sessions_at_once()
    {
        var old = await Cache.GetAsync("alice@example.com");
        var told = 0;
        using var waiting = old.Revoked.Register(() => Interlocked.Increment(ref told));
        Cache.Invalidate("alice@example.com", revoke: false); // stale only: sessions go on
        var stale = await Cache.GetAsync("alice@example.com");
        var bob = await Cache.GetAsync("bob@example.com");
        old.Revoked.IsCancellationRequested.ShouldBeFalse("a change of aliases does not end sessions");

        Cache.Invalidate("alice@example.com", revoke: true);

        told.ShouldBe(1, "the waiting session was told during the revocation, not at its next command");
        old.Revoked.IsCancellationRequested.ShouldBeTrue("even a context already dropped as stale");
        stale.Revoked.IsCancellationRequested.ShouldBeTrue();
        bob.Revoked.IsCancellationRequested.ShouldBeFalse();
        var fresh = await Cache.GetAsync("alice@example.com");
        fresh.Revoked.IsCancellationRequested.ShouldBeFalse();
        Cache.Invalidate("alice@example.com", revoke: true);
        told.ShouldBe(1, "a later revocation does not tell it again");
        fresh.Revoked.IsCancellationRequested.ShouldBeTrue();
    }

    [Fact]
    public async Task InvalidateAll_marks_and_counts_every_cached_context()
    {
        var alice = await Cache.GetAsync("alice@example.com");
        var bob = await Cache.GetAsync("bob@example.com");

        Cache.InvalidateAll().ShouldBe(2);

        alice.IsStale.ShouldBeTrue();
        bob.IsStale.ShouldBeTrue();
        alice.IsRevoked.ShouldBeFalse();
        Cache.Count.ShouldBe(0);
        Cache.InvalidateAll().ShouldBe(0);
    }

    [Fact]
    public async Task A_context_reflects_the_directory_when_it_was_built()
    {
        var before = await Cache.GetAsync("alice@example.com");
        await _env.Service.AddGroupAsync("team@example.com");
        await _env.Service.AddGroupMemberAsync("team@example.com", "alice@example.com");
        await _env.Service.SetDisabledAsync("alice@example.com", true);

        var cached = await Cache.GetAsync("alice@example.com");
        Cache.Invalidate("alice@example.com", revoke: true);
        var rebuilt = await Cache.GetAsync("alice@example.com");

        cached.ShouldBeSameAs(before, "nothing told the cache yet");
        before.Groups.ShouldBeEmpty();
        before.Disabled.ShouldBeFalse();
        rebuilt.Groups.ShouldBe(["team@example.com"]);
        rebuilt.Disabled.ShouldBeTrue();
        rebuilt.Rights.ShouldBe(UserRights.None);
    }
}
