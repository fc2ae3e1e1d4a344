using Interchange.Core.Addressing;
using Interchange.Directory.Ldap;
using Interchange.Storage.Accounts;
using Shouldly;

namespace Interchange.Tests.Directory.Ldap;

public sealed class LdapSyncPlannerTests
{
    private const string Ldap = LdapOptions.SourceName;
    private static readonly string[] Local = ["example.test"];

    private static LdapUser User(string address, bool disabled = false, params string[] aliases) =>
        new($"uid={address.Split('@')[0]},ou=people,dc=example,dc=test", $"uid={address.Split('@')[0].ToLowerInvariant()},ou=people,dc=example,dc=test", EmailAddress.Parse(address), null, disabled, [.. aliases.Select(EmailAddress.Parse)]);

    private static LdapGroup Group(string address, params string[] memberDns) =>
        new($"cn={address.Split('@')[0]},ou=groups,dc=example,dc=test", $"cn={address.Split('@')[0]},ou=groups,dc=example,dc=test", EmailAddress.Parse(address), memberDns);

    private static string Dn(string uid) => $"uid={uid},ou=people,dc=example,dc=test";

    private static LdapDirectoryState State(IReadOnlyList<UserRecord>? users = null, IReadOnlyList<AliasRecord>? aliases = null, IReadOnlyList<GroupRecord>? groups = null, string[]? domains = null) =>
        new(users ?? [], aliases ?? [], groups ?? [], domains ?? Local);

    [Fact]
    public void A_first_sync_creates_users_then_aliases_then_groups_all_owned_by_ldap_with_exact_membership()
    {
        var snapshot = new LdapSnapshot([User("alice@example.test", false, "ali@example.test"), User("bob@example.test", true)], [Group("staff@example.test", Dn("alice"), Dn("bob"), Dn("ghost"))], []);

        var plan = LdapSyncPlanner.Plan(snapshot, State(), createDomains: false);

        plan.Operations.Select(o => o.GetType().Name).ShouldBe(["EnsureUser", "EnsureUser", "EnsureAlias", "EnsureGroup"]);
        var bob = plan.Operations.OfType<EnsureUser>().Single(u => u.Key == "bob@example.test");
        bob.Disabled.ShouldBe(true);
        bob.Source.ShouldBe(Ldap);
        bob.PasswordHash.ShouldBeNull(); // never a hash: the directory checks passwords
        var alias = plan.Operations.OfType<EnsureAlias>().Single();
        alias.Key.ShouldBe("ali@example.test");
        alias.Targets.ShouldBe([new DirectoryReference("alice@example.test", "alice@example.test")]);
        alias.Exact.ShouldBeTrue();
        alias.Source.ShouldBe(Ldap);
        var group = plan.Operations.OfType<EnsureGroup>().Single();
        group.Members.Select(m => m.Key).ShouldBe(["alice@example.test", "bob@example.test"]);
        group.Exact.ShouldBeTrue();
        group.Source.ShouldBe(Ldap);
        plan.Skipped.ShouldContain(s => s.Contains("1 group member(s)", StringComparison.Ordinal));
        (plan.Users, plan.Aliases, plan.Groups).ShouldBe((2, 1, 1));
    }

    [Fact]
    public void A_sync_of_an_unchanged_directory_plans_nothing()
    {
        var snapshot = new LdapSnapshot([User("alice@example.test", false, "ali@example.test")], [Group("staff@example.test", Dn("alice"))], []);
        var state = State(
            [new UserRecord("alice@example.test", "alice@example.test", null, false, 1, Source: Ldap)],
            [new AliasRecord("ali@example.test", "ali@example.test", ["alice@example.test"], Ldap)],
            [new GroupRecord("staff@example.test", "staff@example.test", ["Alice@example.test"], Ldap)]);

        LdapSyncPlanner.Plan(snapshot, state, createDomains: false).Operations.ShouldBeEmpty();
    }

    [Fact]
    public void Ldap_owned_entries_ldap_no_longer_has_are_removed_first_and_local_entries_are_never_touched()
    {
        var snapshot = new LdapSnapshot([User("alice@example.test")], [], []);
        var state = State(
            [
                new UserRecord("alice@example.test", "alice@example.test", null, false, 1, Source: Ldap),
                new UserRecord("gone@example.test", "gone@example.test", null, false, 1, Source: Ldap),
                new UserRecord("postmaster@example.test", "postmaster@example.test", "hash", false, 1),
            ],
            [new AliasRecord("old@example.test", "old@example.test", ["alice@example.test"], Ldap), new AliasRecord("mine@example.test", "mine@example.test", ["postmaster@example.test"])],
            [new GroupRecord("oldgroup@example.test", "oldgroup@example.test", [], Ldap)]);

        var plan = LdapSyncPlanner.Plan(snapshot, state, createDomains: false);

        plan.Operations.ShouldBe(
        [
            new RemoveEntry(0, "oldgroup@example.test", AddressKind.Group, Ldap),
            new RemoveEntry(0, "old@example.test", AddressKind.Alias, Ldap),
            new RemoveEntry(0, "gone@example.test", AddressKind.User, Ldap),
        ]);
    }

    [Fact]
    public void A_user_disabled_or_enabled_in_ldap_is_changed()
    {
        var state = State([new UserRecord("alice@example.test", "alice@example.test", null, false, 1, Source: Ldap)]);

        var plan = LdapSyncPlanner.Plan(new LdapSnapshot([User("alice@example.test", disabled: true)], [], []), state, createDomains: false);

        plan.Operations.ShouldBe([new EnsureUser(0, "alice@example.test", "alice@example.test", "example.test", Disabled: true, Source: Ldap)]);
    }

    [Fact]
    public void An_ldap_address_that_is_a_local_entry_is_skipped_and_reported()
    {
        var state = State(
            [new UserRecord("postmaster@example.test", "postmaster@example.test", "hash", false, 1)],
            [new AliasRecord("sales@example.test", "sales@example.test", ["postmaster@example.test"])]);
        var snapshot = new LdapSnapshot([User("postmaster@example.test"), User("carol@example.test", false, "sales@example.test")], [], []);

        var plan = LdapSyncPlanner.Plan(snapshot, state, createDomains: false);

        plan.Operations.ShouldBe([new EnsureUser(0, "carol@example.test", "carol@example.test", "example.test", Disabled: false, Source: Ldap)]);
        plan.Skipped.ShouldContain(s => s.Contains("postmaster@example.test is a local user", StringComparison.Ordinal));
        plan.Skipped.ShouldContain(s => s.Contains("sales@example.test (of carol@example.test) is a local alias", StringComparison.Ordinal));
    }

    [Fact]
    public void Entries_in_other_domains_are_skipped_unless_CreateDomains()
    {
        var snapshot = new LdapSnapshot([User("alice@example.test"), User("dave@elsewhere.test")], [], []);

        var skipping = LdapSyncPlanner.Plan(snapshot, State(), createDomains: false);
        skipping.Operations.OfType<EnsureUser>().Select(u => u.Key).ShouldBe(["alice@example.test"]);
        skipping.Skipped.ShouldContain(s => s.Contains("elsewhere.test is not a local domain", StringComparison.Ordinal));

        var creating = LdapSyncPlanner.Plan(snapshot, State(), createDomains: true);
        creating.Operations[0].ShouldBe(new EnsureDomain(0, "elsewhere.test"));
        creating.Operations.OfType<EnsureUser>().Select(u => u.Key).ShouldBe(["alice@example.test", "dave@elsewhere.test"]);
    }

    [Fact]
    public void Two_entries_with_one_address_keep_the_first()
    {
        var snapshot = new LdapSnapshot([User("alice@example.test", false, "shared@example.test"), User("bob@example.test", false, "shared@example.test", "alice@example.test")], [], []);

        var plan = LdapSyncPlanner.Plan(snapshot, State(), createDomains: false);

        plan.Operations.OfType<EnsureAlias>().Single().Targets.Single().Key.ShouldBe("alice@example.test");
        plan.Skipped.Count(s => s.Contains("is already the address of", StringComparison.Ordinal)).ShouldBe(2);
    }

    [Fact]
    public void A_group_that_contains_a_group_comes_after_it()
    {
        var snapshot = new LdapSnapshot([User("alice@example.test")],
            [Group("all@example.test", "cn=staff,ou=groups,dc=example,dc=test"), Group("staff@example.test", Dn("alice"))], []);

        var plan = LdapSyncPlanner.Plan(snapshot, State(), createDomains: false);

        plan.Operations.OfType<EnsureGroup>().Select(g => g.Key).ShouldBe(["staff@example.test", "all@example.test"]);
        plan.Operations.OfType<EnsureGroup>().Last().Members.Select(m => m.Key).ShouldBe(["staff@example.test"]);
    }

    [Fact]
    public void A_changed_membership_or_alias_target_is_sent_whole()
    {
        var snapshot = new LdapSnapshot([User("alice@example.test", false, "ali@example.test"), User("bob@example.test")], [Group("staff@example.test", Dn("bob"))], []);
        var state = State(
            [new UserRecord("alice@example.test", "alice@example.test", null, false, 1, Source: Ldap), new UserRecord("bob@example.test", "bob@example.test", null, false, 1, Source: Ldap)],
            [new AliasRecord("ali@example.test", "ali@example.test", ["bob@example.test"], Ldap)],
            [new GroupRecord("staff@example.test", "staff@example.test", ["alice@example.test"], Ldap)]);

        var plan = LdapSyncPlanner.Plan(snapshot, state, createDomains: false);

        plan.Operations.OfType<EnsureAlias>().Single().Targets.Single().Key.ShouldBe("alice@example.test");
        plan.Operations.OfType<EnsureGroup>().Single().Members.Single().Key.ShouldBe("bob@example.test");
        plan.Operations.Count.ShouldBe(2);
    }

    [Fact]
    public void A_search_that_suddenly_finds_nobody_removes_nobody()
    {
        var state = State([new UserRecord("alice@example.test", "alice@example.test", null, false, 1, Source: Ldap)]);

        var plan = LdapSyncPlanner.Plan(new LdapSnapshot([], [], []), state, createDomains: false);

        plan.Operations.ShouldBeEmpty();
        plan.Skipped.ShouldContain(s => s.Contains("nothing is removed", StringComparison.Ordinal));
    }
}
