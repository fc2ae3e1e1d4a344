using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Directory.Security;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Directory.Security;

public sealed class DirectoryChangeWatcherTests : IAsyncLifetime
{
    private const string OldPassword = "alice-password-1";
    private const string NewPassword = "alice-password-2";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private DirectoryTestEnvironment _env = null!;

    public async Task InitializeAsync()
    {
        _env = await DirectoryTestEnvironment.CreateAsync();
        await _env.Service.AddDomainAsync("example.com");
        await _env.Service.AddUserAsync("alice@example.com", OldPassword);
        await _env.Service.AddUserAsync("bob@example.com", "bob-password-1");
        await _env.Watcher.PollAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task A_password_changed_by_another_process_revokes_this_ones_context_within_a_poll()
    {
        // "Server": the environment (database instance 1). "CLI": a second instance on the same file.
        using var session = (await _env.Authenticator.AuthenticateAsync("alice@example.com", OldPassword, null)).Session.ShouldNotBeNull();
        await using var cliDatabase = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = _env.DatabasePath });
        var cli = new DirectoryService(new SqliteDirectoryStore(cliDatabase), new PasswordHasher(DirectoryTestEnvironment.Iterations), new DirectoryOptions());

        await cli.SetPasswordAsync("alice@example.com", NewPassword);

        await Eventually.TrueAsync(
            async () =>
            {
                await _env.Watcher.PollAsync(CancellationToken.None);
                return session.Context.IsRevoked;
            },
            "the server's context to be revoked after the CLI's password change",
            Bound);

        (await _env.Authenticator.AuthenticateAsync("alice@example.com", NewPassword, null)).Succeeded.ShouldBeTrue();
        (await _env.Authenticator.AuthenticateAsync("alice@example.com", OldPassword, null)).Outcome.ShouldBe(AuthenticationOutcome.InvalidCredentials);
    }

    [Fact]
    public async Task A_poll_applies_each_change_once_and_advances_its_position()
    {
        using var session = (await _env.Authenticator.AuthenticateAsync("bob@example.com", "bob-password-1", null)).Session!;
        (await _env.Watcher.PollAsync(CancellationToken.None)).ShouldBe(0);
        var start = _env.Watcher.Position;

        await _env.Service.AddAliasAsync("robert@example.com", "bob@example.com");
        await _env.Service.AddAliasAsync("bobby@example.com", "bob@example.com");

        (await _env.Watcher.PollAsync(CancellationToken.None)).ShouldBe(2);
        _env.Watcher.Position.ShouldBe(await _env.Store.LatestChangeAsync());
        _env.Watcher.Position.ShouldBeGreaterThan(start);
        session.Context.IsStale.ShouldBeTrue();
        (await _env.Watcher.PollAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task A_poll_reads_past_one_page_of_changes()
    {
        const int Changes = 1200;
        await Task.WhenAll(Enumerable.Range(0, Changes).Select(i => _env.Service.AddUserAsync($"user{i}@example.com", null)));

        (await _env.Watcher.PollAsync(CancellationToken.None)).ShouldBe(Changes);

        _env.Watcher.Position.ShouldBe(await _env.Store.LatestChangeAsync());
    }

    [Fact]
    public async Task A_new_watcher_starts_at_the_newest_change()
    {
        var watcher = new DirectoryChangeWatcher(_env.Store, _env.Contexts);
        watcher.Position.ShouldBe(-1);

        await watcher.StartAsync(CancellationToken.None);

        watcher.Position.ShouldBe(await _env.Store.LatestChangeAsync());
        watcher.Position.ShouldBeGreaterThan(0);
        (await watcher.PollAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task The_background_loop_applies_changes_and_stops_promptly_when_cancelled()
    {
        using var session = (await _env.Authenticator.AuthenticateAsync("alice@example.com", OldPassword, null)).Session!;
        using var stop = new CancellationTokenSource();
        var loop = _env.Watcher.RunAsync(TimeSpan.FromMilliseconds(20), stop.Token);

        await _env.Service.SetPasswordAsync("alice@example.com", NewPassword);
        await Eventually.TrueAsync(() => session.Context.IsRevoked, "the loop to revoke the context", Bound);

        stop.Cancel();
        await loop.WaitAsync(Bound);
        loop.IsCompletedSuccessfully.ShouldBeTrue();
    }

    [Fact]
    public async Task The_background_loop_stops_promptly_even_with_a_long_interval()
    {
        await _env.Service.AddAliasAsync("ali@example.com", "alice@example.com");
        var latest = await _env.Store.LatestChangeAsync();
        using var stop = new CancellationTokenSource();
        var loop = _env.Watcher.RunAsync(TimeSpan.FromHours(1), stop.Token);

        // The first poll runs at once; after it the loop sleeps for an hour unless told to stop.
        await Eventually.TrueAsync(() => _env.Watcher.Position == latest, "the first poll", Bound);
        loop.IsCompleted.ShouldBeFalse();
        stop.Cancel();

        await loop.WaitAsync(Bound);
        loop.IsCompletedSuccessfully.ShouldBeTrue();
    }
}
