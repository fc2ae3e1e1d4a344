using Interchange.Directory.Ldap;
using Interchange.Directory.Security;
using Interchange.Storage.Accounts;
using Interchange.Tests.TestSupport;
using Shouldly;
using static Interchange.Tests.Directory.Ldap.FakeLdapDirectory;

namespace Interchange.Tests.Directory.Ldap;

/// <summary>The sync from a fake directory into the real SQLite store, through ApplyAsync and its change log.</summary>
public sealed class LdapSyncTests : IAsyncLifetime
{
    private readonly LdapOptions _options = new() { Url = "ldap://127.0.0.1", BaseDn = "dc=example,dc=test" };
    private readonly FakeLdapDirectory _ldap = new();
    private readonly List<LdapEntry> _users = [];
    private readonly List<LdapEntry> _groups = [];
    private DirectoryTestEnvironment _env = null!;

    public async Task InitializeAsync()
    {
        _env = await DirectoryTestEnvironment.CreateAsync();
        await _env.Service.AddDomainAsync("example.test");
        await _env.Service.AddUserAsync("postmaster@example.test", "postmaster-password");
        _ldap.Search = filter => filter == _options.UserFilter ? _users : filter == _options.GroupFilter ? _groups : [];
        for (var i = 0; i < 50; i++)
        {
            _users.Add(Entry($"uid=u{i},ou=people,dc=example,dc=test", ("mail", [$"u{i}@example.test"]), ("mailAlternateAddress", [$"alt{i}@example.test"])));
        }

        _groups.Add(Entry("cn=staff,ou=groups,dc=example,dc=test", ("mail", ["staff@example.test"]), ("member", ["uid=u1,ou=people,dc=example,dc=test", "uid=u2,ou=people,dc=example,dc=test"])));
        await _env.Watcher.PollAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await _env.DisposeAsync();

    private LdapSync Sync() => new(_options, _ldap, _env.Store);

    [Fact]
    public async Task Users_aliases_and_groups_arrive_owned_by_ldap_and_a_second_sync_changes_nothing()
    {
        var first = await Sync().RunAsync();

        (first.Users, first.Aliases, first.Groups, first.Created, first.Failed).ShouldBe((50, 50, 1, 101, 0));
        var users = await _env.Store.ListUsersAsync();
        users.Count(u => u.Source == Ldap).ShouldBe(50);
        users.Single(u => u.Key == "postmaster@example.test").Source.ShouldBeNull();
        (await _env.Store.GetAliasTargetsAsync("alt7@example.test")).ShouldBe(["u7@example.test"]);
        (await _env.Store.GetGroupMembersAsync("staff@example.test")).ShouldBe(["u1@example.test", "u2@example.test"], ignoreOrder: true);

        var changesBefore = await _env.Store.LatestChangeAsync();
        var second = await Sync().RunAsync();
        (second.Created, second.Changed, second.Removed, second.Unchanged).ShouldBe((0, 0, 0, 0));
        (await _env.Store.LatestChangeAsync()).ShouldBe(changesBefore);
    }

    private const string Ldap = LdapOptions.SourceName;

    [Fact]
    public async Task A_user_removed_in_ldap_is_removed_and_its_sessions_are_revoked()
    {
        await Sync().RunAsync();
        await _env.Watcher.PollAsync(CancellationToken.None);
        var context = await _env.Contexts.GetAsync("u3@example.test");
        using var session = context.OpenSession();

        _users.RemoveAt(3);
        var result = await Sync().RunAsync();
        await _env.Watcher.PollAsync(CancellationToken.None);

        result.Removed.ShouldBe(2); // the user and its alias
        (await _env.Store.GetUserAsync("u3@example.test")).ShouldBeNull();
        (await _env.Store.FindAsync("alt3@example.test")).ShouldBeNull();
        context.IsRevoked.ShouldBeTrue();
        context.Revoked.IsCancellationRequested.ShouldBeTrue();
    }

    [Fact]
    public async Task A_dry_run_reports_and_changes_nothing()
    {
        var result = await Sync().RunAsync(dryRun: true);

        result.DryRun.ShouldBeTrue();
        result.Created.ShouldBe(101);
        (await _env.Store.ListUsersAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_unreachable_directory_changes_nothing_and_says_so()
    {
        await Sync().RunAsync();
        _ldap.Down = true;

        await Should.ThrowAsync<LdapUnavailableException>(() => Sync().RunAsync());

        (await _env.Store.ListUsersAsync()).Count(u => u.Source == Ldap).ShouldBe(50);
    }

    [Fact]
    public async Task Only_one_sync_runs_at_a_time()
    {
        var gate = new TaskCompletionSource();
        var entered = new TaskCompletionSource();
        _ldap.Search = filter =>
        {
            entered.TrySetResult();
            gate.Task.Wait(TimeSpan.FromSeconds(10));
            return [];
        };
        var sync = Sync();
        var first = Task.Run(() => sync.RunAsync());
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await Should.ThrowAsync<LdapSyncBusyException>(() => sync.RunAsync());
        gate.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        sync.IsRunning.ShouldBeFalse();
    }
}
