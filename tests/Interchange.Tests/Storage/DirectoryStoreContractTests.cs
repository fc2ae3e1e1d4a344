using Interchange.Storage.Accounts;
using Shouldly;

namespace Interchange.Tests.Storage;

/// <summary>
/// What every <see cref="IDirectoryStore"/> must do, whatever the backend (ARCHITECTURE.md
/// section 6: backends pass one shared contract suite). A backend's test class derives from this
/// one and says how to make a fresh, empty store; every test gets its own.
/// </summary>
public abstract class DirectoryStoreContractTests : IAsyncLifetime
{
    protected const string Domain = "example.com";
    protected const string OtherDomain = "example.org";

    protected IDirectoryStore Store { get; private set; } = null!;

    /// <summary>Creates a fresh, empty store for one test.</summary>
    protected abstract Task<IDirectoryStore> CreateStoreAsync();

    /// <summary>Releases what <see cref="CreateStoreAsync"/> and <see cref="OpenAnotherStoreAsync"/> made.</summary>
    protected abstract Task DisposeStoreAsync();

    /// <summary>
    /// Another store on the same database as <see cref="Store"/>, with its own connection and
    /// writer: writes through the two are separate transactions racing in the database.
    /// </summary>
    protected abstract Task<IDirectoryStore> OpenAnotherStoreAsync();

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public Task DisposeAsync() => DisposeStoreAsync();

    // ---------------------------------------------------------------- domains

    [Fact]
    public async Task A_new_domain_exists_and_an_unknown_one_does_not()
    {
        (await Store.DomainExistsAsync(Domain)).ShouldBeFalse();

        await Store.AddDomainAsync(Domain);

        (await Store.DomainExistsAsync(Domain)).ShouldBeTrue();
        (await Store.DomainExistsAsync(OtherDomain)).ShouldBeFalse();
    }

    [Fact]
    public async Task The_primary_domain_is_recorded_only_for_a_local_domain_and_cannot_be_removed()
    {
        (await Store.GetPrimaryDomainAsync()).ShouldBeNull();
        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.SetPrimaryDomainAsync(Domain))).Error.ShouldBe(DirectoryStoreError.NotFound);
        (await Store.GetPrimaryDomainAsync()).ShouldBeNull();

        await Store.AddDomainAsync(Domain);
        await Store.AddDomainAsync(OtherDomain);
        await Store.SetPrimaryDomainAsync(Domain);
        (await Store.GetPrimaryDomainAsync()).ShouldBe(Domain);

        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveDomainAsync(Domain, force: true))).Error.ShouldBe(DirectoryStoreError.Conflict);
        (await Store.DomainExistsAsync(Domain)).ShouldBeTrue();

        await Store.SetPrimaryDomainAsync(OtherDomain);
        (await Store.GetPrimaryDomainAsync()).ShouldBe(OtherDomain);
        await Store.RemoveDomainAsync(Domain, force: true);
    }

    [Fact]
    public async Task Adding_a_domain_twice_is_refused_as_a_duplicate()
    {
        await Store.AddDomainAsync(Domain);

        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => Store.AddDomainAsync(Domain));

        ex.Error.ShouldBe(DirectoryStoreError.Duplicate);
        ex.Message.ShouldContain(Domain);
        (await Store.ListDomainsAsync()).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Domains_are_listed_by_name_with_the_number_of_addresses_in_each()
    {
        await Store.AddDomainAsync(OtherDomain);
        await Store.AddDomainAsync(Domain);
        await Store.AddDomainAsync("empty.example");
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");
        await AddAliasAsync("sales@example.com", "alice@example.com");
        await AddGroupAsync("staff@example.org");

        var domains = await Store.ListDomainsAsync();

        domains.Select(d => d.Name).ShouldBe(["empty.example", Domain, OtherDomain]);
        domains.Select(d => d.AddressCount).ShouldBe([0, 3, 1]);
    }

    [Fact]
    public async Task Removing_an_unknown_domain_is_refused_as_not_found()
    {
        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveDomainAsync(Domain, force: false));
        ex.Error.ShouldBe(DirectoryStoreError.NotFound);
    }

    [Fact]
    public async Task An_empty_domain_is_removed_without_force()
    {
        await Store.AddDomainAsync(Domain);

        await Store.RemoveDomainAsync(Domain, force: false);

        (await Store.DomainExistsAsync(Domain)).ShouldBeFalse();
        (await Store.ListDomainsAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_domain_with_addresses_is_kept_unless_forced()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");

        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveDomainAsync(Domain, force: false));

        ex.Error.ShouldBe(DirectoryStoreError.Conflict);
        (await Store.DomainExistsAsync(Domain)).ShouldBeTrue();
        (await Store.GetUserAsync("alice@example.com")).ShouldNotBeNull();
    }

    [Fact]
    public async Task Forcing_a_domain_removal_removes_its_addresses_and_the_references_to_them()
    {
        await Store.AddDomainAsync(Domain);
        await Store.AddDomainAsync(OtherDomain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("carol@example.org");
        await AddAliasAsync("sales@example.com", "alice@example.com");
        await AddGroupAsync("team@example.com");
        await AddMemberAsync("team@example.com", "alice@example.com");
        await AddGroupAsync("staff@example.org");
        await AddMemberAsync("staff@example.org", "alice@example.com");
        await AddMemberAsync("staff@example.org", "carol@example.org");
        await AddAliasAsync("both@example.org", "alice@example.com");
        await AddAliasAsync("both@example.org", "carol@example.org");

        await Store.RemoveDomainAsync(Domain, force: true);

        (await Store.DomainExistsAsync(Domain)).ShouldBeFalse();
        foreach (var key in new[] { "alice@example.com", "sales@example.com", "team@example.com" })
        {
            (await Store.FindAsync(key)).ShouldBeNull(key);
        }

        (await Store.GetUserAsync("alice@example.com")).ShouldBeNull();
        (await Store.ListUsersAsync(Domain)).ShouldBeEmpty();
        (await Store.GetGroupMembersAsync("staff@example.org")).ShouldBe(["carol@example.org"]);
        (await Store.GetAliasTargetsAsync("both@example.org")).ShouldBe(["carol@example.org"]);
        (await Store.GetUserAsync("carol@example.org")).ShouldNotBeNull();
        (await Store.ListDomainsAsync()).ShouldHaveSingleItem().AddressCount.ShouldBe(3);
    }

    // ---------------------------------------------------------------- users

    [Fact]
    public async Task A_user_needs_an_existing_domain()
    {
        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => Store.AddUserAsync("alice@example.com", "alice@example.com", Domain, "hash"));

        ex.Error.ShouldBe(DirectoryStoreError.NotFound);
        ex.Message.ShouldContain(Domain);
        (await Store.FindAsync("alice@example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task A_user_is_found_by_key_with_its_address_as_written()
    {
        await Store.AddDomainAsync(Domain);

        await Store.AddUserAsync("alice@example.com", "Alice@example.com", Domain, "$hash");

        var user = (await Store.GetUserAsync("alice@example.com")).ShouldNotBeNull();
        user.Key.ShouldBe("alice@example.com");
        user.Address.ShouldBe("Alice@example.com");
        user.PasswordHash.ShouldBe("$hash");
        user.Disabled.ShouldBeFalse();
        (await Store.FindAsync("alice@example.com")).ShouldBe(new DirectoryEntry("alice@example.com", "Alice@example.com", AddressKind.User));
        (await Store.GetUserAsync("bob@example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task A_user_may_have_no_password()
    {
        await Store.AddDomainAsync(Domain);

        await Store.AddUserAsync("nopass@example.com", "nopass@example.com", Domain, null);

        (await Store.GetUserAsync("nopass@example.com")).ShouldNotBeNull().PasswordHash.ShouldBeNull();
    }

    [Fact]
    public async Task Adding_a_user_twice_is_refused_as_a_duplicate()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com", "first");

        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => Store.AddUserAsync("alice@example.com", "ALICE@example.com", Domain, "second"));

        ex.Error.ShouldBe(DirectoryStoreError.Duplicate);
        var user = (await Store.GetUserAsync("alice@example.com")).ShouldNotBeNull();
        user.PasswordHash.ShouldBe("first");
        user.Address.ShouldBe("alice@example.com");
    }

    [Fact]
    public async Task A_user_cannot_take_the_address_of_an_alias_or_a_group()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddAliasAsync("sales@example.com", "alice@example.com");
        await AddGroupAsync("staff@example.com");

        var overAlias = await Should.ThrowAsync<DirectoryStoreException>(() => AddUserAsync("sales@example.com"));
        var overGroup = await Should.ThrowAsync<DirectoryStoreException>(() => AddUserAsync("staff@example.com"));

        overAlias.Error.ShouldBe(DirectoryStoreError.Duplicate);
        overGroup.Error.ShouldBe(DirectoryStoreError.Duplicate);
        (await Store.FindAsync("sales@example.com")).ShouldNotBeNull().Kind.ShouldBe(AddressKind.Alias);
        (await Store.FindAsync("staff@example.com")).ShouldNotBeNull().Kind.ShouldBe(AddressKind.Group);
        (await Store.GetUserAsync("sales@example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task An_alias_or_a_group_cannot_take_the_address_of_a_user()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");

        var asAlias = await Should.ThrowAsync<DirectoryStoreException>(() => AddAliasAsync("alice@example.com", "bob@example.com"));
        var asGroup = await Should.ThrowAsync<DirectoryStoreException>(() => AddGroupAsync("alice@example.com"));

        asAlias.Error.ShouldBeOneOf(DirectoryStoreError.Duplicate, DirectoryStoreError.Conflict);
        asGroup.Error.ShouldBe(DirectoryStoreError.Duplicate);
        (await Store.FindAsync("alice@example.com")).ShouldNotBeNull().Kind.ShouldBe(AddressKind.User);
        (await Store.GetAliasTargetsAsync("alice@example.com")).ShouldBeEmpty();
        (await Store.ListAliasesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Users_are_listed_per_domain_or_all_together()
    {
        await Store.AddDomainAsync(Domain);
        await Store.AddDomainAsync(OtherDomain);
        await AddUserAsync("bob@example.com");
        await AddUserAsync("alice@example.com");
        await AddUserAsync("carol@example.org");
        await AddGroupAsync("staff@example.com");

        (await Store.ListUsersAsync(Domain)).Select(u => u.Key).ShouldBe(["alice@example.com", "bob@example.com"]);
        (await Store.ListUsersAsync(OtherDomain)).Select(u => u.Key).ShouldBe(["carol@example.org"]);
        (await Store.ListUsersAsync()).Select(u => u.Key).ShouldBe(["alice@example.com", "bob@example.com", "carol@example.org"]);
        (await Store.ListUsersAsync("nowhere.example")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Setting_a_password_replaces_the_hash_and_bumps_the_credential_version()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com", "old");
        var before = (await Store.GetUserAsync("alice@example.com"))!;

        await Store.SetPasswordAsync("alice@example.com", "new");

        var after = (await Store.GetUserAsync("alice@example.com"))!;
        after.PasswordHash.ShouldBe("new");
        after.CredentialVersion.ShouldBeGreaterThan(before.CredentialVersion);
    }

    [Fact]
    public async Task Disabling_and_enabling_a_user_bumps_the_credential_version_each_time()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        var v0 = (await Store.GetUserAsync("alice@example.com"))!.CredentialVersion;

        await Store.SetDisabledAsync("alice@example.com", true);
        var disabled = (await Store.GetUserAsync("alice@example.com"))!;
        await Store.SetDisabledAsync("alice@example.com", false);
        var enabled = (await Store.GetUserAsync("alice@example.com"))!;

        disabled.Disabled.ShouldBeTrue();
        disabled.CredentialVersion.ShouldBeGreaterThan(v0);
        enabled.Disabled.ShouldBeFalse();
        enabled.CredentialVersion.ShouldBeGreaterThan(disabled.CredentialVersion);
    }

    [Fact]
    public async Task Changing_an_unknown_user_is_refused_as_not_found()
    {
        await Store.AddDomainAsync(Domain);
        await AddGroupAsync("staff@example.com");

        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.SetPasswordAsync("ghost@example.com", "x"))).Error.ShouldBe(DirectoryStoreError.NotFound);
        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.SetDisabledAsync("ghost@example.com", true))).Error.ShouldBe(DirectoryStoreError.NotFound);
        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.SetPasswordAsync("staff@example.com", "x"))).Error.ShouldBe(DirectoryStoreError.NotFound);
        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveUserAsync("ghost@example.com"))).Error.ShouldBe(DirectoryStoreError.NotFound);
    }

    [Fact]
    public async Task Removing_a_user_through_the_wrong_kind_is_refused()
    {
        await Store.AddDomainAsync(Domain);
        await AddGroupAsync("staff@example.com");

        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveUserAsync("staff@example.com"));

        ex.Error.ShouldBe(DirectoryStoreError.Conflict);
        (await Store.FindAsync("staff@example.com")).ShouldNotBeNull();
    }

    [Fact]
    public async Task A_removed_user_is_gone_and_its_address_can_be_used_again()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com", "first");

        await Store.RemoveUserAsync("alice@example.com");

        (await Store.GetUserAsync("alice@example.com")).ShouldBeNull();
        (await Store.FindAsync("alice@example.com")).ShouldBeNull();
        (await Store.ListUsersAsync()).ShouldBeEmpty();

        await AddUserAsync("alice@example.com", "second");
        (await Store.GetUserAsync("alice@example.com")).ShouldNotBeNull().PasswordHash.ShouldBe("second");
    }

    [Fact]
    public async Task Removing_a_user_removes_its_memberships_and_the_alias_targets_naming_it()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");
        await AddGroupAsync("staff@example.com");
        await AddMemberAsync("staff@example.com", "alice@example.com");
        await AddMemberAsync("staff@example.com", "bob@example.com");
        await AddAliasAsync("sales@example.com", "alice@example.com");
        await AddAliasAsync("sales@example.com", "bob@example.com");
        await AddAliasAsync("ali@example.com", "alice@example.com");

        await Store.RemoveUserAsync("alice@example.com");

        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["bob@example.com"]);
        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["bob@example.com"]);
        (await Store.FindAsync("ali@example.com")).ShouldBeNull("an alias left with no target goes with its last target");
        (await Store.GetGroupsContainingAsync("alice@example.com")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Removing_a_user_leaves_no_reference_to_an_alias_that_the_removal_emptied()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");
        await AddAliasAsync("ali@example.com", "alice@example.com");
        await AddGroupAsync("staff@example.com");
        await AddMemberAsync("staff@example.com", "ali@example.com");
        await AddMemberAsync("staff@example.com", "bob@example.com");
        await AddAliasAsync("team@example.com", "ali@example.com");
        await AddAliasAsync("team@example.com", "bob@example.com");

        await Store.RemoveUserAsync("alice@example.com");

        // ali@ went with its only target; nothing may still name it, or whoever gets the freed
        // address next silently inherits its group memberships and its mail.
        (await Store.FindAsync("ali@example.com")).ShouldBeNull();
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["bob@example.com"]);
        (await Store.GetAliasTargetsAsync("team@example.com")).ShouldBe(["bob@example.com"]);

        await AddUserAsync("ali@example.com");
        (await Store.GetGroupsContainingAsync("ali@example.com")).ShouldBeEmpty();
    }

    // ---------------------------------------------------------------- aliases

    [Fact]
    public async Task An_alias_can_have_several_targets_kept_as_written()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");

        await Store.AddAliasTargetAsync("sales@example.com", "Sales@example.com", Domain, "Bob@example.com", "bob@example.com");
        await Store.AddAliasTargetAsync("sales@example.com", "Sales@example.com", Domain, "alice@example.com", "alice@example.com");
        await Store.AddAliasTargetAsync("sales@example.com", "Sales@example.com", Domain, "partner@remote.example", "partner@remote.example");

        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["alice@example.com", "Bob@example.com", "partner@remote.example"]);
        (await Store.FindAsync("sales@example.com")).ShouldBe(new DirectoryEntry("sales@example.com", "Sales@example.com", AddressKind.Alias));
        var alias = (await Store.ListAliasesAsync()).ShouldHaveSingleItem();
        alias.Key.ShouldBe("sales@example.com");
        alias.Address.ShouldBe("Sales@example.com");
        alias.Targets.ShouldBe(["alice@example.com", "Bob@example.com", "partner@remote.example"]);
    }

    [Fact]
    public async Task Adding_a_target_an_alias_already_has_is_refused_as_a_duplicate()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddAliasAsync("sales@example.com", "alice@example.com");

        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => Store.AddAliasTargetAsync("sales@example.com", "sales@example.com", Domain, "ALICE@example.com", "alice@example.com"));

        ex.Error.ShouldBe(DirectoryStoreError.Duplicate);
        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["alice@example.com"]);
    }

    [Fact]
    public async Task An_alias_needs_an_existing_domain()
    {
        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => AddAliasAsync("sales@example.com", "someone@remote.example"));

        ex.Error.ShouldBe(DirectoryStoreError.NotFound);
        (await Store.FindAsync("sales@example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task A_catch_all_is_an_alias_keyed_at_domain()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("postmaster@example.com");

        await Store.AddAliasTargetAsync("@example.com", "@example.com", Domain, "postmaster@example.com", "postmaster@example.com");

        (await Store.GetAliasTargetsAsync("@example.com")).ShouldBe(["postmaster@example.com"]);
        (await Store.FindAsync("@example.com")).ShouldNotBeNull().Kind.ShouldBe(AddressKind.Alias);
        (await Store.ListAliasesAsync(Domain)).ShouldHaveSingleItem().Key.ShouldBe("@example.com");
    }

    [Fact]
    public async Task Removing_one_target_keeps_the_alias_and_removing_the_last_removes_it()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");
        await AddAliasAsync("sales@example.com", "alice@example.com");
        await AddAliasAsync("sales@example.com", "bob@example.com");

        await Store.RemoveAliasAsync("sales@example.com", "alice@example.com");

        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["bob@example.com"]);
        (await Store.FindAsync("sales@example.com")).ShouldNotBeNull();

        await Store.RemoveAliasAsync("sales@example.com", "bob@example.com");

        (await Store.FindAsync("sales@example.com")).ShouldBeNull();
        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBeEmpty();
        (await Store.ListAliasesAsync()).ShouldBeEmpty();
        (await Store.GetUserAsync("alice@example.com")).ShouldNotBeNull();
    }

    [Fact]
    public async Task Removing_an_alias_without_a_target_removes_it_whole()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");
        await AddAliasAsync("sales@example.com", "alice@example.com");
        await AddAliasAsync("sales@example.com", "bob@example.com");

        await Store.RemoveAliasAsync("sales@example.com", null);

        (await Store.FindAsync("sales@example.com")).ShouldBeNull();
        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBeEmpty();
        (await Store.GetAliasesOfAsync("alice@example.com")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Removing_an_unknown_alias_or_target_is_refused()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");
        await AddAliasAsync("sales@example.com", "alice@example.com");

        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveAliasAsync("ghost@example.com", null))).Error.ShouldBe(DirectoryStoreError.NotFound);
        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveAliasAsync("sales@example.com", "bob@example.com"))).Error.ShouldBe(DirectoryStoreError.NotFound);
        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveAliasAsync("alice@example.com", null))).Error.ShouldBe(DirectoryStoreError.Conflict);

        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["alice@example.com"]);
        (await Store.GetUserAsync("alice@example.com")).ShouldNotBeNull();
    }

    [Fact]
    public async Task Aliases_are_listed_per_domain()
    {
        await Store.AddDomainAsync(Domain);
        await Store.AddDomainAsync(OtherDomain);
        await AddUserAsync("alice@example.com");
        await AddAliasAsync("sales@example.com", "alice@example.com");
        await AddAliasAsync("info@example.org", "alice@example.com");

        (await Store.ListAliasesAsync(Domain)).Select(a => a.Key).ShouldBe(["sales@example.com"]);
        (await Store.ListAliasesAsync(OtherDomain)).Select(a => a.Key).ShouldBe(["info@example.org"]);
        (await Store.ListAliasesAsync()).Count.ShouldBe(2);
    }

    [Fact]
    public async Task The_aliases_of_an_address_are_the_direct_ones_without_the_catch_all()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");
        await Store.AddAliasTargetAsync("sales@example.com", "Sales@example.com", Domain, "alice@example.com", "alice@example.com");
        await AddAliasAsync("ali@example.com", "alice@example.com");
        await AddAliasAsync("bobby@example.com", "bob@example.com");
        await AddAliasAsync("indirect@example.com", "sales@example.com");
        await Store.AddAliasTargetAsync("@example.com", "@example.com", Domain, "alice@example.com", "alice@example.com");

        (await Store.GetAliasesOfAsync("alice@example.com")).ShouldBe(["ali@example.com", "Sales@example.com"]);
        (await Store.GetAliasesOfAsync("bob@example.com")).ShouldBe(["bobby@example.com"]);
        (await Store.GetAliasesOfAsync("carol@example.com")).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_targets_of_something_that_is_not_an_alias_are_empty()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");

        (await Store.GetAliasTargetsAsync("alice@example.com")).ShouldBeEmpty();
        (await Store.GetAliasTargetsAsync("nobody@example.com")).ShouldBeEmpty();
    }

    // ---------------------------------------------------------------- groups

    [Fact]
    public async Task A_group_has_members_as_written()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");
        await Store.AddGroupAsync("staff@example.com", "Staff@example.com", Domain);

        await Store.AddGroupMemberAsync("staff@example.com", "Bob@example.com", "bob@example.com");
        await Store.AddGroupMemberAsync("staff@example.com", "alice@example.com", "alice@example.com");

        (await Store.FindAsync("staff@example.com")).ShouldBe(new DirectoryEntry("staff@example.com", "Staff@example.com", AddressKind.Group));
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["alice@example.com", "Bob@example.com"]);
        var group = (await Store.ListGroupsAsync()).ShouldHaveSingleItem();
        group.Key.ShouldBe("staff@example.com");
        group.Address.ShouldBe("Staff@example.com");
        group.Members.ShouldBe(["alice@example.com", "Bob@example.com"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_member_added_twice_is_refused_as_a_duplicate()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddGroupAsync("staff@example.com");
        await AddMemberAsync("staff@example.com", "alice@example.com");

        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => AddMemberAsync("staff@example.com", "alice@example.com"));

        ex.Error.ShouldBe(DirectoryStoreError.Duplicate);
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["alice@example.com"]);
    }

    [Fact]
    public async Task Members_can_only_be_added_to_groups()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");

        (await Should.ThrowAsync<DirectoryStoreException>(() => AddMemberAsync("ghost@example.com", "alice@example.com"))).Error.ShouldBe(DirectoryStoreError.NotFound);
        (await Should.ThrowAsync<DirectoryStoreException>(() => AddMemberAsync("bob@example.com", "alice@example.com"))).Error.ShouldBe(DirectoryStoreError.Conflict);
    }

    [Fact]
    public async Task Groups_are_listed_per_domain_with_their_members()
    {
        await Store.AddDomainAsync(Domain);
        await Store.AddDomainAsync(OtherDomain);
        await AddUserAsync("alice@example.com");
        await AddGroupAsync("staff@example.com");
        await AddGroupAsync("empty@example.com");
        await AddGroupAsync("club@example.org");
        await AddMemberAsync("staff@example.com", "alice@example.com");
        await AddMemberAsync("club@example.org", "alice@example.com");

        var local = await Store.ListGroupsAsync(Domain);
        local.Select(g => g.Key).ShouldBe(["empty@example.com", "staff@example.com"]);
        local[0].Members.ShouldBeEmpty();
        local[1].Members.ShouldBe(["alice@example.com"]);
        (await Store.ListGroupsAsync(OtherDomain)).ShouldHaveSingleItem().Members.ShouldBe(["alice@example.com"]);
        (await Store.ListGroupsAsync()).Count.ShouldBe(3);
    }

    [Fact]
    public async Task The_groups_containing_an_address_include_those_reached_through_nesting()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");
        await AddGroupAsync("devs@example.com");
        await AddGroupAsync("staff@example.com");
        await AddGroupAsync("all@example.com");
        await AddGroupAsync("other@example.com");
        await AddMemberAsync("devs@example.com", "alice@example.com");
        await AddMemberAsync("staff@example.com", "devs@example.com");
        await AddMemberAsync("all@example.com", "staff@example.com");
        await AddMemberAsync("all@example.com", "alice@example.com"); // reached twice: listed once
        await AddMemberAsync("other@example.com", "bob@example.com");

        (await Store.GetGroupsContainingAsync("alice@example.com")).ShouldBe(["all@example.com", "devs@example.com", "staff@example.com"]);
        (await Store.GetGroupsContainingAsync("devs@example.com")).ShouldBe(["all@example.com", "staff@example.com"]);
        (await Store.GetGroupsContainingAsync("bob@example.com")).ShouldBe(["other@example.com"]);
        (await Store.GetGroupsContainingAsync("all@example.com")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_group_cannot_be_its_own_member()
    {
        await Store.AddDomainAsync(Domain);
        await AddGroupAsync("staff@example.com");

        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => AddMemberAsync("staff@example.com", "staff@example.com"));

        ex.Error.ShouldBe(DirectoryStoreError.Conflict);
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Two_groups_cannot_contain_each_other()
    {
        await Store.AddDomainAsync(Domain);
        await AddGroupAsync("a@example.com");
        await AddGroupAsync("b@example.com");
        await AddMemberAsync("b@example.com", "a@example.com"); // a ∈ b

        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => AddMemberAsync("a@example.com", "b@example.com")); // b ∈ a

        ex.Error.ShouldBe(DirectoryStoreError.Conflict);
        (await Store.GetGroupMembersAsync("a@example.com")).ShouldBeEmpty();
        (await Store.GetGroupMembersAsync("b@example.com")).ShouldBe(["a@example.com"]);
    }

    [Fact]
    public async Task A_three_group_cycle_is_refused()
    {
        await Store.AddDomainAsync(Domain);
        await AddGroupAsync("a@example.com");
        await AddGroupAsync("b@example.com");
        await AddGroupAsync("c@example.com");
        await AddMemberAsync("b@example.com", "a@example.com"); // a ∈ b
        await AddMemberAsync("c@example.com", "b@example.com"); // b ∈ c

        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => AddMemberAsync("a@example.com", "c@example.com")); // c ∈ a

        ex.Error.ShouldBe(DirectoryStoreError.Conflict);
        (await Store.GetGroupMembersAsync("a@example.com")).ShouldBeEmpty();

        // A diamond is not a cycle.
        await AddGroupAsync("d@example.com");
        await AddMemberAsync("d@example.com", "a@example.com");
        await AddMemberAsync("d@example.com", "c@example.com");
        (await Store.GetGroupsContainingAsync("a@example.com")).ShouldBe(["b@example.com", "c@example.com", "d@example.com"]);
    }

    [Fact]
    public async Task A_removed_member_is_no_longer_listed_and_an_unknown_one_is_refused()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddGroupAsync("staff@example.com");
        await AddMemberAsync("staff@example.com", "alice@example.com");

        await Store.RemoveGroupMemberAsync("staff@example.com", "alice@example.com");

        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBeEmpty();
        (await Store.GetGroupsContainingAsync("alice@example.com")).ShouldBeEmpty();
        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveGroupMemberAsync("staff@example.com", "alice@example.com"))).Error.ShouldBe(DirectoryStoreError.NotFound);
        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveGroupMemberAsync("ghost@example.com", "alice@example.com"))).Error.ShouldBe(DirectoryStoreError.NotFound);
    }

    [Fact]
    public async Task Removing_a_group_removes_it_from_the_groups_that_contained_it()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddGroupAsync("devs@example.com");
        await AddGroupAsync("staff@example.com");
        await AddMemberAsync("devs@example.com", "alice@example.com");
        await AddMemberAsync("staff@example.com", "devs@example.com");

        await Store.RemoveGroupAsync("devs@example.com");

        (await Store.FindAsync("devs@example.com")).ShouldBeNull();
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBeEmpty();
        (await Store.GetGroupMembersAsync("devs@example.com")).ShouldBeEmpty();
        (await Store.GetGroupsContainingAsync("alice@example.com")).ShouldBeEmpty();
        (await Store.GetUserAsync("alice@example.com")).ShouldNotBeNull();
        (await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveGroupAsync("devs@example.com"))).Error.ShouldBe(DirectoryStoreError.NotFound);
    }

    // ---------------------------------------------------------------- change log

    [Fact]
    public async Task An_empty_store_has_no_changes()
    {
        (await Store.LatestChangeAsync()).ShouldBe(0);
        (await Store.ChangesSinceAsync(0, 100)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Every_mutation_appends_exactly_one_change_with_its_scope_and_subject()
    {
        var steps = new (string What, Func<Task> Mutation, DirectoryChangeScope Scope, string Subject)[]
        {
            ("add domain", () => Store.AddDomainAsync(Domain), DirectoryChangeScope.All, Domain),
            ("add other domain", () => Store.AddDomainAsync(OtherDomain), DirectoryChangeScope.All, OtherDomain),
            ("add user", () => AddUserAsync("alice@example.com"), DirectoryChangeScope.User, "alice@example.com"),
            ("add user 2", () => AddUserAsync("bob@example.com"), DirectoryChangeScope.User, "bob@example.com"),
            ("add alias", () => AddAliasAsync("ali@example.com", "alice@example.com"), DirectoryChangeScope.User, "alice@example.com"),
            ("add alias target", () => AddAliasAsync("ali@example.com", "bob@example.com"), DirectoryChangeScope.User, "bob@example.com"),
            ("add group", () => AddGroupAsync("staff@example.com"), DirectoryChangeScope.All, "staff@example.com"),
            ("add member", () => AddMemberAsync("staff@example.com", "alice@example.com"), DirectoryChangeScope.All, "staff@example.com"),
            ("remove member", () => Store.RemoveGroupMemberAsync("staff@example.com", "alice@example.com"), DirectoryChangeScope.All, "staff@example.com"),
            ("set password", () => Store.SetPasswordAsync("alice@example.com", "new"), DirectoryChangeScope.Credentials, "alice@example.com"),
            ("disable", () => Store.SetDisabledAsync("alice@example.com", true), DirectoryChangeScope.Credentials, "alice@example.com"),
            ("enable", () => Store.SetDisabledAsync("alice@example.com", false), DirectoryChangeScope.Credentials, "alice@example.com"),
            ("remove alias target", () => Store.RemoveAliasAsync("ali@example.com", "bob@example.com"), DirectoryChangeScope.User, "bob@example.com"),
            ("remove alias", () => Store.RemoveAliasAsync("ali@example.com", null), DirectoryChangeScope.User, "alice@example.com"),
            ("remove group", () => Store.RemoveGroupAsync("staff@example.com"), DirectoryChangeScope.All, "staff@example.com"),
            ("remove user", () => Store.RemoveUserAsync("bob@example.com"), DirectoryChangeScope.Credentials, "bob@example.com"),
            ("remove domain", () => Store.RemoveDomainAsync(OtherDomain, force: false), DirectoryChangeScope.All, OtherDomain),
        };

        var position = await Store.LatestChangeAsync();
        foreach (var step in steps)
        {
            await step.Mutation();

            var appended = await Store.ChangesSinceAsync(position, 100);
            var change = appended.ShouldHaveSingleItem(step.What);
            change.Scope.ShouldBe(step.Scope, step.What);
            change.Subject.ShouldBe(step.Subject, step.What);
            change.What.ShouldNotBeNullOrWhiteSpace(step.What);
            change.Sequence.ShouldBeGreaterThan(position, step.What);
            (await Store.LatestChangeAsync()).ShouldBe(change.Sequence, step.What);
            position = change.Sequence;
        }
    }

    [Fact]
    public async Task Removing_a_whole_alias_logs_a_user_change_for_each_target_it_had()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddUserAsync("bob@example.com");
        await AddAliasAsync("sales@example.com", "alice@example.com");
        await AddAliasAsync("sales@example.com", "bob@example.com");
        var position = await Store.LatestChangeAsync();

        await Store.RemoveAliasAsync("sales@example.com", null);

        var changes = await Store.ChangesSinceAsync(position, 100);
        changes.ShouldAllBe(c => c.Scope == DirectoryChangeScope.User);
        changes.Select(c => c.Subject).ShouldBe(["alice@example.com", "bob@example.com"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_refused_mutation_appends_no_change()
    {
        await Store.AddDomainAsync(Domain);
        await AddUserAsync("alice@example.com");
        await AddGroupAsync("a@example.com");
        var position = await Store.LatestChangeAsync();

        await Should.ThrowAsync<DirectoryStoreException>(() => Store.AddDomainAsync(Domain));
        await Should.ThrowAsync<DirectoryStoreException>(() => AddUserAsync("alice@example.com"));
        await Should.ThrowAsync<DirectoryStoreException>(() => Store.SetPasswordAsync("ghost@example.com", "x"));
        await Should.ThrowAsync<DirectoryStoreException>(() => AddMemberAsync("a@example.com", "a@example.com"));
        await Should.ThrowAsync<DirectoryStoreException>(() => Store.RemoveDomainAsync(Domain, force: false));

        (await Store.LatestChangeAsync()).ShouldBe(position);
        (await Store.ChangesSinceAsync(position, 100)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Changes_are_read_in_order_page_by_page()
    {
        await Store.AddDomainAsync(Domain);
        for (var i = 0; i < 4; i++)
        {
            await AddUserAsync($"user{i}@example.com");
        }

        var all = await Store.ChangesSinceAsync(0, 100);
        all.Count.ShouldBe(5);
        all.Select(c => c.Sequence).ShouldBeInOrder(SortDirection.Ascending);
        all.Select(c => c.Sequence).Distinct().Count().ShouldBe(5);
        all[^1].Sequence.ShouldBe(await Store.LatestChangeAsync());

        var page1 = await Store.ChangesSinceAsync(0, 2);
        var page2 = await Store.ChangesSinceAsync(page1[^1].Sequence, 2);
        var page3 = await Store.ChangesSinceAsync(page2[^1].Sequence, 2);
        var page4 = await Store.ChangesSinceAsync(page3[^1].Sequence, 2);

        page1.Count.ShouldBe(2);
        page2.Count.ShouldBe(2);
        page3.Count.ShouldBe(1);
        page4.ShouldBeEmpty();
        page1.Concat(page2).Concat(page3).ShouldBe(all);
        page3[0].Subject.ShouldBe("user3@example.com");
    }

    // ---------------------------------------------------------------- concurrency

    /// <summary>
    /// Pairs of groups, each pair joined both ways at once from different store instances, and a
    /// ring closed from every side at once. Honest note: under SQLite the writers' file lock
    /// serialises the transactions, so this passed before the directory lock row too. Under
    /// PostgreSQL's READ COMMITTED the old order (check for a cycle, then insert) fails it: both
    /// checks run before either insert commits, both find no path back, both insert, and the two
    /// groups contain each other (resolution then loops, or stops at an arbitrary depth). Taking
    /// the lock row first makes the second addition wait and then see the first's row.
    /// </summary>
    [Fact]
    public async Task Concurrent_member_additions_from_several_stores_never_make_a_cycle()
    {
        const int Pairs = 12;
        const int Ring = 6;
        await Store.AddDomainAsync(Domain);
        for (var i = 0; i < Pairs; i++)
        {
            await AddGroupAsync($"a{i}@{Domain}");
            await AddGroupAsync($"b{i}@{Domain}");
        }

        for (var i = 0; i < Ring; i++)
        {
            await AddGroupAsync($"r{i}@{Domain}");
        }

        var stores = new List<IDirectoryStore> { Store };
        for (var i = 1; i < 4; i++)
        {
            stores.Add(await OpenAnotherStoreAsync());
        }

        async Task<bool> Add(IDirectoryStore store, string group, string member)
        {
            try
            {
                await store.AddGroupMemberAsync(group, member, member);
                return true;
            }
            catch (DirectoryStoreException ex) when (ex.Error == DirectoryStoreError.Conflict)
            {
                return false; // refused: it would have made a cycle
            }
        }

        var pairs = Enumerable.Range(0, Pairs).Select(i => Task.WhenAll(
            Task.Run(() => Add(stores[i % stores.Count], $"a{i}@{Domain}", $"b{i}@{Domain}")),
            Task.Run(() => Add(stores[(i + 1) % stores.Count], $"b{i}@{Domain}", $"a{i}@{Domain}")))).ToList();

        // r0 ⊃ r1 ⊃ … ⊃ r5 ⊃ r0: every link added at once; the last one to commit must be refused.
        var ring = Enumerable.Range(0, Ring).Select(i => Task.Run(() => Add(stores[i % stores.Count], $"r{i}@{Domain}", $"r{(i + 1) % Ring}@{Domain}"))).ToList();

        foreach (var pair in await Task.WhenAll(pairs))
        {
            pair.Count(added => added).ShouldBe(1, "of two opposite additions exactly one is taken");
        }

        (await Task.WhenAll(ring)).Count(added => added).ShouldBe(Ring - 1, "a ring cannot be closed");

        var members = (await Store.ListGroupsAsync()).ToDictionary(g => g.Key, g => g.Members.Select(m => m.ToLowerInvariant()).ToList());
        foreach (var group in members.Keys)
        {
            var seen = new HashSet<string>();
            var next = new Stack<string>(members[group]);
            while (next.TryPop(out var current))
            {
                current.ShouldNotBe(group, $"{group} contains itself through its members");
                if (seen.Add(current) && members.TryGetValue(current, out var more))
                {
                    more.ForEach(next.Push);
                }
            }
        }
    }

    /// <summary>
    /// Several instances add users and log changes at once: the change log's sequence is what a
    /// watcher follows ("changes after N"), so it must hold every change exactly once. Under
    /// PostgreSQL a sequence number is taken before commit, so without the lock row a change
    /// could commit after a later number was already read past; here every change must appear.
    /// </summary>
    [Fact]
    public async Task Concurrent_changes_from_several_stores_are_each_logged_once()
    {
        const int PerStore = 15;
        await Store.AddDomainAsync(Domain);
        var stores = new List<IDirectoryStore> { Store };
        for (var i = 1; i < 4; i++)
        {
            stores.Add(await OpenAnotherStoreAsync());
        }

        var start = await Store.LatestChangeAsync();
        await Task.WhenAll(stores.SelectMany((store, s) => Enumerable.Range(0, PerStore).Select(i => Task.Run(() =>
            store.AddUserAsync($"u{s}x{i}@{Domain}", $"u{s}x{i}@{Domain}", Domain, null)))));

        var changes = await Store.ChangesSinceAsync(start, 1000);
        changes.Select(c => c.Subject).Order().ShouldBe(stores.SelectMany((_, s) => Enumerable.Range(0, PerStore).Select(i => $"u{s}x{i}@{Domain}")).Order());
        changes.Select(c => c.Sequence).ShouldBe(changes.Select(c => c.Sequence).Order().Distinct().ToList());
    }

    // ---------------------------------------------------------------- batches (import, LDAP sync)

    private static DirectoryReference Ref(string address) => new(address, address.ToLowerInvariant());

    private static EnsureUser User(int line, string address, string? hash = null, bool? disabled = null, UserRole? role = null, string? source = null) =>
        new(line, address.ToLowerInvariant(), address, address[(address.IndexOf('@') + 1)..].ToLowerInvariant(), hash, disabled, role, source);

    private static EnsureAlias Alias(int line, string address, bool exact = false, string? source = null, params string[] targets) =>
        new(line, address.ToLowerInvariant(), address, address[(address.IndexOf('@') + 1)..].ToLowerInvariant(), targets.Select(Ref).ToList(), exact, source);

    private static EnsureGroup Group(int line, string address, bool exact = false, string? source = null, params string[] members) =>
        new(line, address.ToLowerInvariant(), address, address[(address.IndexOf('@') + 1)..].ToLowerInvariant(), members.Select(Ref).ToList(), exact, source);

    private static DirectoryBatch SampleBatch(ImportCheckpoint? checkpoint = null, bool dryRun = false) => new(
        [
            new EnsureDomain(1, Domain),
            User(2, "Alice@example.com", "$h$1"),
            User(3, "bob@example.com", disabled: true, role: UserRole.Admin),
            Alias(4, "sales@example.com", false, null, "alice@example.com", "someone@remote.example"),
            Group(5, "staff@example.com", false, null, "alice@example.com", "bob@example.com"),
            Group(6, "all@example.com", false, null, "staff@example.com", "sales@example.com"),
        ], checkpoint, dryRun);

    [Fact]
    public async Task A_batch_creates_every_entry_and_logs_each_change_with_its_scope()
    {
        var start = await Store.LatestChangeAsync();

        var result = await Store.ApplyAsync(SampleBatch());

        result.Outcomes.Select(o => o.Status).ShouldBe(Enumerable.Repeat(DirectoryOperationStatus.Created, 6));
        result.Outcomes.Select(o => o.Line).ShouldBe([1, 2, 3, 4, 5, 6]);
        var alice = (await Store.GetUserAsync("alice@example.com")).ShouldNotBeNull();
        alice.Address.ShouldBe("Alice@example.com");
        alice.PasswordHash.ShouldBe("$h$1");
        var bob = (await Store.GetUserAsync("bob@example.com")).ShouldNotBeNull();
        bob.PasswordHash.ShouldBeNull();
        bob.Disabled.ShouldBeTrue();
        bob.Role.ShouldBe(UserRole.Admin);
        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["alice@example.com", "someone@remote.example"]);
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["alice@example.com", "bob@example.com"]);
        (await Store.GetGroupsContainingAsync("alice@example.com")).ShouldBe(["all@example.com", "staff@example.com"]);

        var changes = await Store.ChangesSinceAsync(start, 100);
        changes.Select(c => (c.Scope, c.Subject)).ShouldBe(
        [
            (DirectoryChangeScope.All, Domain),
            (DirectoryChangeScope.User, "alice@example.com"),
            (DirectoryChangeScope.User, "bob@example.com"),
            (DirectoryChangeScope.User, "alice@example.com"),
            (DirectoryChangeScope.User, "someone@remote.example"),
            (DirectoryChangeScope.All, "staff@example.com"),
            (DirectoryChangeScope.All, "all@example.com"),
        ]);
    }

    [Fact]
    public async Task A_batch_applied_again_changes_nothing_and_writes_no_change_log_entry()
    {
        await Store.ApplyAsync(SampleBatch());
        var position = await Store.LatestChangeAsync();
        var version = (await Store.GetUserAsync("alice@example.com"))!.CredentialVersion;

        var again = await Store.ApplyAsync(SampleBatch());

        again.Outcomes.ShouldAllBe(o => o.Status == DirectoryOperationStatus.Unchanged);
        (await Store.LatestChangeAsync()).ShouldBe(position);
        (await Store.GetUserAsync("alice@example.com"))!.CredentialVersion.ShouldBe(version);
    }

    [Fact]
    public async Task Changing_a_users_password_state_or_role_in_a_batch_is_one_credentials_change()
    {
        await Store.ApplyAsync(SampleBatch());
        var position = await Store.LatestChangeAsync();
        var version = (await Store.GetUserAsync("alice@example.com"))!.CredentialVersion;

        var result = await Store.ApplyAsync(new DirectoryBatch([User(7, "Alice@example.com", "$h$2", disabled: true), User(8, "bob@example.com")]));

        result.Outcomes.Select(o => o.Status).ShouldBe([DirectoryOperationStatus.Changed, DirectoryOperationStatus.Unchanged]);
        var alice = (await Store.GetUserAsync("alice@example.com"))!;
        alice.PasswordHash.ShouldBe("$h$2");
        alice.Disabled.ShouldBeTrue();
        alice.CredentialVersion.ShouldBe(version + 1);
        (await Store.GetUserAsync("bob@example.com"))!.Disabled.ShouldBeTrue("a state not given is left alone");
        var changes = await Store.ChangesSinceAsync(position, 100);
        changes.Count.ShouldBe(1);
        changes[0].Scope.ShouldBe(DirectoryChangeScope.Credentials);
        changes[0].Subject.ShouldBe("alice@example.com");
    }

    [Fact]
    public async Task A_refused_operation_is_reported_with_its_reason_and_the_others_commit()
    {
        await Store.AddDomainAsync(Domain);
        await AddGroupAsync("taken@example.com");

        var result = await Store.ApplyAsync(new DirectoryBatch(
        [
            User(10, "alice@example.com"),
            User(11, "taken@example.com"),
            User(12, "carol@nowhere.example"),
            Alias(13, "sales@example.com", false, null, "alice@example.com", "ghost@example.com"),
            Group(14, "staff@example.com", false, null, "staff@example.com"),
            User(15, "dave@example.com"),
        ]));

        result.Outcomes.Select(o => o.Status).ShouldBe(
        [
            DirectoryOperationStatus.Created, DirectoryOperationStatus.Failed, DirectoryOperationStatus.Failed,
            DirectoryOperationStatus.Failed, DirectoryOperationStatus.Failed, DirectoryOperationStatus.Created,
        ]);
        result.Outcomes[1].Error.ShouldNotBeNull().ShouldContain("already a group");
        result.Outcomes[2].Error.ShouldNotBeNull().ShouldContain("nowhere.example");
        result.Outcomes[3].Error.ShouldNotBeNull().ShouldContain("ghost@example.com");
        result.Outcomes[4].Error.ShouldNotBeNull().ShouldContain("itself");
        result.Count(DirectoryOperationStatus.Failed).ShouldBe(4);
        (await Store.FindAsync("alice@example.com")).ShouldNotBeNull();
        (await Store.FindAsync("dave@example.com")).ShouldNotBeNull();
        (await Store.FindAsync("sales@example.com")).ShouldBeNull("a refused alias leaves nothing half made");
        (await Store.FindAsync("staff@example.com")).ShouldBeNull();
        (await Store.FindAsync("taken@example.com"))!.Kind.ShouldBe(AddressKind.Group);
    }

    [Fact]
    public async Task A_batch_refuses_a_group_cycle()
    {
        await Store.ApplyAsync(new DirectoryBatch([new EnsureDomain(1, Domain), Group(2, "a@example.com"), Group(3, "b@example.com", false, null, "a@example.com")]));

        var result = await Store.ApplyAsync(new DirectoryBatch([Group(4, "a@example.com", false, null, "b@example.com")]));

        result.Outcomes[0].Status.ShouldBe(DirectoryOperationStatus.Failed);
        result.Outcomes[0].Error.ShouldNotBeNull().ShouldContain("cycle");
        (await Store.GetGroupMembersAsync("a@example.com")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_dry_run_reports_every_outcome_and_changes_nothing()
    {
        var start = await Store.LatestChangeAsync();

        var result = await Store.ApplyAsync(SampleBatch(new ImportCheckpoint("dry", "test", 6), dryRun: true));

        result.Outcomes.Select(o => o.Status).ShouldBe(Enumerable.Repeat(DirectoryOperationStatus.Created, 6), "later operations see earlier ones of the same dry run");
        (await Store.ListDomainsAsync()).ShouldBeEmpty();
        (await Store.FindAsync("alice@example.com")).ShouldBeNull();
        (await Store.LatestChangeAsync()).ShouldBe(start);
        (await Store.GetImportCheckpointAsync("dry")).ShouldBeNull();
    }

    [Fact]
    public async Task The_checkpoint_is_recorded_with_the_batch_and_moves_forward()
    {
        (await Store.GetImportCheckpointAsync("run1")).ShouldBeNull();

        await Store.ApplyAsync(SampleBatch(new ImportCheckpoint("run1", "users.csv", 6)));
        (await Store.GetImportCheckpointAsync("run1")).ShouldBe(new ImportCheckpoint("run1", "users.csv", 6));

        await Store.ApplyAsync(new DirectoryBatch([User(7, "zoe@example.com")], new ImportCheckpoint("run1", "users.csv", 7, Finished: true)));
        (await Store.GetImportCheckpointAsync("run1")).ShouldBe(new ImportCheckpoint("run1", "users.csv", 7, Finished: true));
        (await Store.GetImportCheckpointAsync("run2")).ShouldBeNull();
    }

    [Fact]
    public async Task An_exact_alias_or_group_loses_what_is_not_listed_and_an_inexact_one_keeps_it()
    {
        await Store.ApplyAsync(SampleBatch());
        var position = await Store.LatestChangeAsync();

        var added = await Store.ApplyAsync(new DirectoryBatch([Alias(1, "sales@example.com", false, null, "bob@example.com"), Group(2, "staff@example.com", false, null, "sales@example.com")]));
        added.Outcomes.ShouldAllBe(o => o.Status == DirectoryOperationStatus.Changed);
        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["alice@example.com", "bob@example.com", "someone@remote.example"]);
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["alice@example.com", "bob@example.com", "sales@example.com"]);

        var exact = await Store.ApplyAsync(new DirectoryBatch([Alias(3, "sales@example.com", true, null, "bob@example.com"), Group(4, "staff@example.com", true, null, "bob@example.com")]));
        exact.Outcomes.ShouldAllBe(o => o.Status == DirectoryOperationStatus.Changed);
        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["bob@example.com"]);
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["bob@example.com"]);
        var changes = await Store.ChangesSinceAsync(position, 100);
        changes.Where(c => c.Scope == DirectoryChangeScope.User).Select(c => c.Subject).Order().ShouldBe(["alice@example.com", "bob@example.com", "someone@remote.example"]);

        var same = await Store.ApplyAsync(new DirectoryBatch([Alias(5, "sales@example.com", true, null, "bob@example.com"), Group(6, "staff@example.com", true, null, "bob@example.com")]));
        same.Outcomes.ShouldAllBe(o => o.Status == DirectoryOperationStatus.Unchanged);
    }

    [Fact]
    public async Task An_entry_kept_by_another_source_is_a_conflict_and_left_alone()
    {
        await Store.ApplyAsync(new DirectoryBatch([new EnsureDomain(1, Domain), User(2, "ldapuser@example.com", "$h$l", source: "ldap"), User(3, "local@example.com", "$h$x")]));

        var result = await Store.ApplyAsync(new DirectoryBatch(
        [
            User(4, "ldapuser@example.com", "$h$other"),
            User(5, "local@example.com", "$h$y", source: "ldap"),
            new RemoveEntry(6, "ldapuser@example.com", AddressKind.User),
            new RemoveEntry(7, "local@example.com", AddressKind.User, "ldap"),
        ]));

        result.Outcomes.ShouldAllBe(o => o.Status == DirectoryOperationStatus.Failed);
        result.Outcomes[0].Error.ShouldNotBeNull().ShouldContain("ldap");
        (await Store.GetUserAsync("ldapuser@example.com"))!.PasswordHash.ShouldBe("$h$l");
        (await Store.GetUserAsync("ldapuser@example.com"))!.Source.ShouldBe("ldap");
        (await Store.GetUserAsync("local@example.com"))!.PasswordHash.ShouldBe("$h$x");

        var own = await Store.ApplyAsync(new DirectoryBatch([new RemoveEntry(8, "ldapuser@example.com", AddressKind.User, "ldap")]));
        own.Outcomes[0].Status.ShouldBe(DirectoryOperationStatus.Removed);
        (await Store.FindAsync("ldapuser@example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task Removing_an_entry_in_a_batch_detaches_its_references_and_a_second_removal_is_unchanged()
    {
        await Store.ApplyAsync(SampleBatch());
        var position = await Store.LatestChangeAsync();

        var result = await Store.ApplyAsync(new DirectoryBatch([new RemoveEntry(1, "alice@example.com", AddressKind.User), new RemoveEntry(2, "bob@example.com", AddressKind.Group)]));

        result.Outcomes[0].Status.ShouldBe(DirectoryOperationStatus.Removed);
        result.Outcomes[1].Status.ShouldBe(DirectoryOperationStatus.Failed, "bob is a user, not a group");
        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["someone@remote.example"]);
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["bob@example.com"]);
        var changes = await Store.ChangesSinceAsync(position, 100);
        changes.ShouldContain(c => c.Scope == DirectoryChangeScope.Credentials && c.Subject == "alice@example.com");

        var again = await Store.ApplyAsync(new DirectoryBatch([new RemoveEntry(3, "alice@example.com", AddressKind.User)]));
        again.Outcomes[0].Status.ShouldBe(DirectoryOperationStatus.Unchanged);

        // The alias's last target goes: the alias goes too, and with it the group's membership of it.
        var last = await Store.ApplyAsync(new DirectoryBatch([new RemoveEntry(4, "sales@example.com", AddressKind.Alias)]));
        last.Outcomes[0].Status.ShouldBe(DirectoryOperationStatus.Removed);
        (await Store.GetGroupMembersAsync("all@example.com")).ShouldBe(["staff@example.com"]);
    }

    /// <summary>
    /// Batches from two store instances at once, each making groups that name the other's groups
    /// in the opposite direction: whichever commits second must see the first's rows (the lock
    /// row) and refuse the closing membership, so no group ends up containing itself, and every
    /// user exists exactly once.
    /// </summary>
    [Fact]
    public async Task Concurrent_batches_from_two_stores_keep_the_directorys_invariants()
    {
        const int Pairs = 20;
        await Store.ApplyAsync(new DirectoryBatch([new EnsureDomain(0, Domain), .. Enumerable.Range(0, Pairs).SelectMany(i => new DirectoryOperation[] { Group(0, $"a{i}@example.com"), Group(0, $"b{i}@example.com") })]));
        var other = await OpenAnotherStoreAsync();

        DirectoryBatch Forward() => new([.. Enumerable.Range(0, Pairs).Select(i => Group(i, $"a{i}@example.com", false, null, $"b{i}@example.com")), .. Enumerable.Range(0, Pairs).Select(i => User(100 + i, $"u{i}@example.com"))]);
        DirectoryBatch Backward() => new([.. Enumerable.Range(0, Pairs).Select(i => Group(i, $"b{i}@example.com", false, null, $"a{i}@example.com")), .. Enumerable.Range(0, Pairs).Select(i => User(100 + i, $"u{i}@example.com"))]);

        var results = await Task.WhenAll(Task.Run(() => Store.ApplyAsync(Forward())), Task.Run(() => other.ApplyAsync(Backward())));

        for (var i = 0; i < Pairs; i++)
        {
            results.Count(r => r.Outcomes[i].Status == DirectoryOperationStatus.Changed).ShouldBe(1, $"of a{i}⊃b{i} and b{i}⊃a{i} exactly one is taken");
            results.Count(r => r.Outcomes[Pairs + i].Status == DirectoryOperationStatus.Created).ShouldBe(1, $"u{i} is created once");
        }

        var groups = await Store.ListGroupsAsync();
        groups.Sum(g => g.Members.Count).ShouldBe(Pairs);
        (await Store.ListUsersAsync()).Count.ShouldBe(Pairs);
    }

    // ---------------------------------------------------------------- helpers

    protected Task AddUserAsync(string address, string? passwordHash = "$test$hash")
    {
        var key = address.ToLowerInvariant();
        return Store.AddUserAsync(key, address, key[(key.IndexOf('@') + 1)..], passwordHash);
    }

    protected Task AddAliasAsync(string alias, string target)
    {
        var key = alias.ToLowerInvariant();
        return Store.AddAliasTargetAsync(key, alias, key[(key.IndexOf('@') + 1)..], target, target.ToLowerInvariant());
    }

    protected Task AddGroupAsync(string address)
    {
        var key = address.ToLowerInvariant();
        return Store.AddGroupAsync(key, address, key[(key.IndexOf('@') + 1)..]);
    }

    protected Task AddMemberAsync(string group, string member) =>
        Store.AddGroupMemberAsync(group.ToLowerInvariant(), member, member.ToLowerInvariant());
}
