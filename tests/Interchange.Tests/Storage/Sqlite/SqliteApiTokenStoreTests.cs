using Interchange.Storage.Accounts;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Storage.Sqlite;

/// <summary>API tokens in the SQLite directory store (<see cref="IApiTokenStore"/>): kept with their hash, listed per user, revoked, touched, and gone with their user.</summary>
public sealed class SqliteApiTokenStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private SqliteTestDatabase? _db;
    private SqliteDirectoryStore _store = null!;

    public async Task InitializeAsync()
    {
        _db = await SqliteTestDatabase.CreateAsync();
        _store = new SqliteDirectoryStore(_db.Database, new ManualTimeProvider(Now));
        await _store.AddDomainAsync("example.com");
        await _store.AddUserAsync("ann@example.com", "ann@example.com", "example.com", null);
        await _store.AddUserAsync("bob@example.com", "bob@example.com", "example.com", null);
    }

    public async Task DisposeAsync() => await _db!.DisposeAsync();

    [Fact]
    public async Task A_token_is_found_with_its_hash_listed_per_user_and_revoked()
    {
        await _store.AddTokenAsync(new ApiTokenRecord("aa01", "ann@example.com", "ci", Now, Now.AddDays(30), null), "hash-a");
        await _store.AddTokenAsync(new ApiTokenRecord("bb02", "bob@example.com", "laptop", Now.AddSeconds(1), null, null), "hash-b");

        var found = (await _store.FindTokenAsync("aa01"))!;
        found.SecretHash.ShouldBe("hash-a");
        found.Token.ShouldBe(new ApiTokenRecord("aa01", "ann@example.com", "ci", Now, Now.AddDays(30), null));
        (await _store.FindTokenAsync("zz99")).ShouldBeNull();
        (await _store.ListTokensAsync()).Select(t => t.Id).ShouldBe(["aa01", "bb02"]);
        (await _store.ListTokensAsync("bob@example.com")).Select(t => t.Id).ShouldBe(["bb02"]);

        (await _store.RevokeTokenAsync("aa01")).ShouldBeTrue();
        (await _store.RevokeTokenAsync("aa01")).ShouldBeFalse();
        (await _store.FindTokenAsync("aa01")).ShouldBeNull();
    }

    [Fact]
    public async Task A_token_for_an_unknown_user_or_a_taken_id_is_refused()
    {
        (await Should.ThrowAsync<DirectoryStoreException>(() => _store.AddTokenAsync(new ApiTokenRecord("cc03", "nobody@example.com", "x", Now, null, null), "h"))).Error.ShouldBe(DirectoryStoreError.NotFound);
        await _store.AddTokenAsync(new ApiTokenRecord("cc03", "ann@example.com", "x", Now, null, null), "h");
        (await Should.ThrowAsync<DirectoryStoreException>(() => _store.AddTokenAsync(new ApiTokenRecord("cc03", "bob@example.com", "y", Now, null, null), "h2"))).Error.ShouldBe(DirectoryStoreError.Duplicate);
    }

    [Fact]
    public async Task A_use_is_recorded_and_removing_the_user_removes_its_tokens()
    {
        await _store.AddTokenAsync(new ApiTokenRecord("dd04", "ann@example.com", "x", Now, null, null), "h");
        await _store.TouchTokenAsync("dd04", Now.AddMinutes(5));
        (await _store.FindTokenAsync("dd04"))!.Token.LastUsedAt.ShouldBe(Now.AddMinutes(5));

        await _store.RemoveUserAsync("ann@example.com");
        (await _store.FindTokenAsync("dd04")).ShouldBeNull();
        (await _store.ListTokensAsync()).ShouldBeEmpty();
    }
}
