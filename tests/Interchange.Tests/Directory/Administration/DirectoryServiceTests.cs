using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Storage.Accounts;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Directory.Administration;

public sealed class DirectoryServiceTests : IAsyncLifetime
{
    private const string Password = "s3cret-enough";
    private DirectoryTestEnvironment _env = null!;

    private DirectoryService Service => _env.Service;

    private IDirectoryStore Store => _env.Store;

    public async Task InitializeAsync() => _env = await DirectoryTestEnvironment.CreateAsync();

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task Domains_are_stored_in_canonical_form()
    {
        (await Service.AddDomainAsync("Example.COM.")).Value.ShouldBe("example.com");
        (await Service.AddDomainAsync("Bücher.Example")).Value.ShouldBe("xn--bcher-kva.example");

        (await Service.ListDomainsAsync()).Select(d => d.Name).ShouldBe(["example.com", "xn--bcher-kva.example"]);
        (await Should.ThrowAsync<DirectoryStoreException>(() => Service.AddDomainAsync("xn--bcher-kva.example"))).Error.ShouldBe(DirectoryStoreError.Duplicate);
    }

    [Fact]
    public async Task A_malformed_domain_is_refused_as_input()
    {
        await Should.ThrowAsync<DirectoryInputException>(() => Service.AddDomainAsync("-bad-.example"));
        await Should.ThrowAsync<DirectoryInputException>(() => Service.AddDomainAsync("[127.0.0.1]"));
        (await Service.ListDomainsAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_user_address_is_normalised_on_add()
    {
        await Service.AddDomainAsync("example.com");

        var added = await Service.AddUserAsync("Alice.Smith@Example.COM", Password);

        added.Key.ShouldBe("alice.smith@example.com");
        added.Value.ShouldBe("Alice.Smith@example.com");
        var user = (await Store.GetUserAsync("alice.smith@example.com")).ShouldNotBeNull();
        user.Address.ShouldBe("Alice.Smith@example.com");
        _env.Hasher.Verify(Password, user.PasswordHash).ShouldBe(PasswordVerification.Succeeded);
        user.PasswordHash.ShouldStartWith($"$pbkdf2-sha256$i={DirectoryTestEnvironment.Iterations}$");
    }

    [Fact]
    public async Task An_internationalised_domain_is_found_whichever_way_it_is_spelled()
    {
        await Service.AddDomainAsync("bücher.example");

        var added = await Service.AddUserAsync("Leser@BÜCHER.example", Password);

        added.Key.ShouldBe("leser@xn--bcher-kva.example");
        (await Store.GetUserAsync("leser@xn--bcher-kva.example")).ShouldNotBeNull();
        (await Service.ListUsersAsync("Bücher.Example.")).ShouldHaveSingleItem().Key.ShouldBe("leser@xn--bcher-kva.example");
        await Should.ThrowAsync<DirectoryStoreException>(() => Service.AddUserAsync("LESER@xn--bcher-kva.example", Password));
    }

    [Theory]
    [InlineData("no-at-sign.example.com")]
    [InlineData("two..dots@example.com")]
    [InlineData("\"quoted\"@example.com")]
    [InlineData("space in@example.com")]
    [InlineData("user@[127.0.0.1]")]
    [InlineData("")]
    public async Task A_malformed_address_is_refused_as_input_and_nothing_is_stored(string address)
    {
        await Service.AddDomainAsync("example.com");

        var ex = await Should.ThrowAsync<DirectoryInputException>(() => Service.AddUserAsync(address, Password));

        ex.Message.ShouldNotBeNullOrWhiteSpace();
        (await Store.ListUsersAsync()).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("short")]
    [InlineData("1234567")]
    [InlineData("has\nnewline")]
    [InlineData("tab\tinside password")]
    public async Task A_weak_or_malformed_password_is_refused_as_input(string password)
    {
        await Service.AddDomainAsync("example.com");

        await Should.ThrowAsync<DirectoryInputException>(() => Service.AddUserAsync("alice@example.com", password));

        (await Store.GetUserAsync("alice@example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task Password_length_limits_come_from_the_options()
    {
        await Service.AddDomainAsync("example.com");
        _env.Options.MinimumPasswordLength = 12;
        _env.Options.MaximumPasswordLength = 16;

        await Should.ThrowAsync<DirectoryInputException>(() => Service.AddUserAsync("a@example.com", "elevenchars"));
        await Should.ThrowAsync<DirectoryInputException>(() => Service.AddUserAsync("a@example.com", "seventeen chars!!"));
        await Service.AddUserAsync("a@example.com", "twelve chars");

        (await Store.GetUserAsync("a@example.com")).ShouldNotBeNull();
    }

    [Fact]
    public async Task A_user_without_a_password_can_be_added()
    {
        await Service.AddDomainAsync("example.com");

        await Service.AddUserAsync("robot@example.com", null);

        (await Store.GetUserAsync("robot@example.com")).ShouldNotBeNull().PasswordHash.ShouldBeNull();
    }

    [Fact]
    public async Task A_password_change_is_validated_hashed_and_found_by_any_spelling()
    {
        await Service.AddDomainAsync("example.com");
        await Service.AddUserAsync("alice@example.com", Password);

        await Should.ThrowAsync<DirectoryInputException>(() => Service.SetPasswordAsync("alice@example.com", "short"));
        await Service.SetPasswordAsync("ALICE@Example.Com", "a brand new one");

        var user = (await Store.GetUserAsync("alice@example.com"))!;
        _env.Hasher.Verify("a brand new one", user.PasswordHash).ShouldBe(PasswordVerification.Succeeded);
        _env.Hasher.Verify(Password, user.PasswordHash).ShouldBe(PasswordVerification.Failed);
    }

    [Fact]
    public async Task An_alias_to_a_local_address_that_does_not_exist_is_refused()
    {
        await Service.AddDomainAsync("example.com");

        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => Service.AddAliasAsync("sales@example.com", "nobody@example.com"));

        ex.Error.ShouldBe(DirectoryStoreError.NotFound);
        ex.Message.ShouldContain("nobody@example.com");
        (await Store.FindAsync("sales@example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task An_alias_to_a_remote_address_is_taken_as_written()
    {
        await Service.AddDomainAsync("example.com");

        await Service.AddAliasAsync("Partner@Example.com", "Someone@Elsewhere.ORG");

        (await Store.FindAsync("partner@example.com")).ShouldNotBeNull().Address.ShouldBe("Partner@example.com");
        (await Store.GetAliasTargetsAsync("partner@example.com")).ShouldBe(["Someone@elsewhere.org"]);
    }

    [Fact]
    public async Task An_alias_to_an_existing_local_user_is_normalised()
    {
        await Service.AddDomainAsync("example.com");
        await Service.AddUserAsync("alice@example.com", Password);

        await Service.AddAliasAsync("Sales@EXAMPLE.com", "ALICE@example.com");

        (await Store.GetAliasTargetsAsync("sales@example.com")).ShouldBe(["ALICE@example.com"]);
        (await Store.GetAliasesOfAsync("alice@example.com")).ShouldBe(["Sales@example.com"]);
    }

    [Fact]
    public async Task An_alias_of_itself_is_refused_whatever_the_case()
    {
        await Service.AddDomainAsync("example.com");

        await Should.ThrowAsync<DirectoryInputException>(() => Service.AddAliasAsync("loop@example.com", "LOOP@Example.com"));

        (await Store.FindAsync("loop@example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task At_domain_makes_the_domains_catch_all()
    {
        await Service.AddDomainAsync("example.com");
        await Service.AddUserAsync("postmaster@example.com", Password);

        await Service.AddAliasAsync("@Example.COM", "postmaster@example.com");

        (await Store.GetAliasTargetsAsync("@example.com")).ShouldBe(["postmaster@example.com"]);
        (await Service.ListAliasesAsync("example.com")).ShouldHaveSingleItem().Key.ShouldBe("@example.com");
        await Should.ThrowAsync<DirectoryInputException>(() => Service.AddAliasAsync("@not a domain", "postmaster@example.com"));

        await Service.RemoveAliasAsync("@example.com", null);
        (await Store.FindAsync("@example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task Group_members_must_exist_when_local_and_may_be_remote()
    {
        await Service.AddDomainAsync("example.com");
        await Service.AddUserAsync("alice@example.com", Password);
        var group = await Service.AddGroupAsync("Staff@Example.com");

        await Service.AddGroupMemberAsync("staff@example.com", "Alice@example.com");
        await Service.AddGroupMemberAsync("STAFF@example.com", "friend@elsewhere.org");
        var ex = await Should.ThrowAsync<DirectoryStoreException>(() => Service.AddGroupMemberAsync("staff@example.com", "ghost@example.com"));

        group.Key.ShouldBe("staff@example.com");
        ex.Error.ShouldBe(DirectoryStoreError.NotFound);
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["Alice@example.com", "friend@elsewhere.org"]);
        (await Service.ListGroupsAsync()).ShouldHaveSingleItem().Address.ShouldBe("Staff@example.com");

        await Service.RemoveGroupMemberAsync("Staff@example.com", "ALICE@example.com");
        (await Store.GetGroupMembersAsync("staff@example.com")).ShouldBe(["friend@elsewhere.org"]);
    }

    [Fact]
    public async Task Users_are_disabled_and_removed_by_any_spelling_of_their_address()
    {
        await Service.AddDomainAsync("example.com");
        await Service.AddUserAsync("alice@example.com", Password);

        await Service.SetDisabledAsync("Alice@EXAMPLE.com", true);
        (await Store.GetUserAsync("alice@example.com"))!.Disabled.ShouldBeTrue();

        await Service.RemoveUserAsync("ALICE@example.com");
        (await Store.GetUserAsync("alice@example.com")).ShouldBeNull();

        await Service.RemoveDomainAsync("EXAMPLE.com", force: false);
        (await Service.ListDomainsAsync()).ShouldBeEmpty();
    }
}
