using Interchange.Core.Addressing;
using Interchange.Directory.Administration;
using Interchange.Directory.Resolution;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Directory.Resolution;

public sealed class RecipientResolverTests : IAsyncLifetime
{
    private const string Password = "s3cret-enough";
    private DirectoryTestEnvironment _env = null!;

    private DirectoryService Service => _env.Service;

    public async Task InitializeAsync()
    {
        _env = await DirectoryTestEnvironment.CreateAsync();
        await Service.AddDomainAsync("example.com");
        await Service.AddDomainAsync("example.org");
        await Service.AddUserAsync("Alice@example.com", Password);
        await Service.AddUserAsync("bob@example.com", Password);
        await Service.AddUserAsync("carol@example.org", Password);
    }

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task A_user_resolves_to_itself()
    {
        var result = await Resolve("ALICE@Example.com");

        result.ShouldHaveSingleItem().ShouldBe(new ResolvedRecipient("Alice@example.com", "alice@example.com", IsLocal: true));
    }

    [Fact]
    public async Task An_alias_chain_resolves_to_the_user_at_its_end()
    {
        await Service.AddAliasAsync("b@example.com", "alice@example.com");
        await Service.AddAliasAsync("a@example.com", "b@example.com");
        await Service.AddAliasAsync("start@example.org", "a@example.com");

        var result = await Resolve("start@example.org");

        result.ShouldHaveSingleItem().Key.ShouldBe("alice@example.com");
    }

    [Fact]
    public async Task An_alias_with_several_targets_resolves_to_each_of_them()
    {
        await Service.AddAliasAsync("sales@example.com", "alice@example.com");
        await Service.AddAliasAsync("sales@example.com", "carol@example.org");
        await Service.AddAliasAsync("sales@example.com", "Partner@Remote.example");

        var result = await Resolve("sales@example.com");

        result.ShouldBe(
            [
                new ResolvedRecipient("Alice@example.com", "alice@example.com", true),
                new ResolvedRecipient("carol@example.org", "carol@example.org", true),
                new ResolvedRecipient("Partner@remote.example", "partner@remote.example", false),
            ],
            ignoreOrder: true);
    }

    [Fact]
    public async Task A_group_with_nested_groups_yields_each_user_once()
    {
        await Service.AddGroupAsync("devs@example.com");
        await Service.AddGroupAsync("ops@example.com");
        await Service.AddGroupAsync("staff@example.com");
        await Service.AddGroupMemberAsync("devs@example.com", "alice@example.com");
        await Service.AddGroupMemberAsync("devs@example.com", "bob@example.com");
        await Service.AddGroupMemberAsync("ops@example.com", "bob@example.com");
        await Service.AddGroupMemberAsync("ops@example.com", "carol@example.org");
        await Service.AddGroupMemberAsync("staff@example.com", "devs@example.com");
        await Service.AddGroupMemberAsync("staff@example.com", "ops@example.com");
        await Service.AddGroupMemberAsync("staff@example.com", "alice@example.com");

        var result = await Resolve("staff@example.com");

        result.Select(r => r.Key).ShouldBe(["alice@example.com", "bob@example.com", "carol@example.org"], ignoreOrder: true);
        result.ShouldAllBe(r => r.IsLocal);
    }

    [Fact]
    public async Task A_user_reached_through_an_alias_and_a_group_is_listed_once()
    {
        await Service.AddAliasAsync("ali@example.com", "alice@example.com");
        await Service.AddGroupAsync("team@example.com");
        await Service.AddGroupMemberAsync("team@example.com", "ali@example.com");
        await Service.AddGroupMemberAsync("team@example.com", "alice@example.com");

        var result = await Resolve("team@example.com");

        result.ShouldHaveSingleItem().Key.ShouldBe("alice@example.com");
    }

    [Fact]
    public async Task An_alias_loop_terminates()
    {
        // a → b → a, with b also sending a copy outside: expansion must stop at the loop.
        await Service.AddAliasAsync("b@example.com", "outside@remote.example");
        await Service.AddAliasAsync("a@example.com", "b@example.com");
        await Service.AddAliasAsync("b@example.com", "a@example.com");

        var result = await Resolve("a@example.com").WaitAsync(TimeSpan.FromSeconds(10));

        result.ShouldHaveSingleItem().ShouldBe(new ResolvedRecipient("outside@remote.example", "outside@remote.example", false));
        (await Resolve("b@example.com")).ShouldHaveSingleItem().Key.ShouldBe("outside@remote.example");
    }

    [Fact]
    public async Task An_unknown_local_address_goes_to_the_catch_all()
    {
        await Service.AddAliasAsync("@example.com", "bob@example.com");

        var result = await Resolve("Whoever@Example.com");

        result.ShouldHaveSingleItem().Key.ShouldBe("bob@example.com");
        (await Resolve("alice@example.com")).ShouldHaveSingleItem().Key.ShouldBe("alice@example.com");
    }

    [Fact]
    public async Task An_unknown_local_address_without_a_catch_all_resolves_to_nothing()
    {
        await Service.AddAliasAsync("@example.org", "carol@example.org"); // another domain's catch-all does not apply

        (await Resolve("nobody@example.com")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_remote_address_is_one_non_local_recipient()
    {
        var result = await Resolve("Someone@Elsewhere.NET");

        result.ShouldHaveSingleItem().ShouldBe(new ResolvedRecipient("Someone@elsewhere.net", "someone@elsewhere.net", IsLocal: false));
    }

    [Fact]
    public async Task A_group_may_fan_out_to_remote_addresses()
    {
        await Service.AddGroupAsync("list@example.com");
        await Service.AddGroupMemberAsync("list@example.com", "alice@example.com");
        await Service.AddGroupMemberAsync("list@example.com", "friend@remote.example");

        var result = await Resolve("list@example.com");

        result.Count.ShouldBe(2);
        result.Single(r => !r.IsLocal).Key.ShouldBe("friend@remote.example");
        result.Single(r => r.IsLocal).Key.ShouldBe("alice@example.com");
    }

    [Fact]
    public async Task Postmaster_of_a_secondary_domain_is_the_primary_postmaster_unless_the_domain_names_its_own()
    {
        await Service.AddUserAsync("postmaster@example.com", Password);
        await Service.AddDomainAsync("third.example");
        await Service.AddAliasAsync("postmaster@third.example", "bob@example.com");
        await Service.AddAliasAsync("@example.org", "carol@example.org"); // a catch-all does not take the postmaster's mail
        var resolver = new RecipientResolver(_env.Store, "example.com");

        (await resolver.ResolveAsync(EmailAddress.Parse("postmaster@example.org"))).ShouldHaveSingleItem().Key.ShouldBe("postmaster@example.com");
        (await resolver.ResolveAsync(EmailAddress.Parse("PostMaster@EXAMPLE.ORG"))).ShouldHaveSingleItem().Key.ShouldBe("postmaster@example.com");
        (await resolver.ResolveAsync(EmailAddress.Parse("postmaster@third.example"))).ShouldHaveSingleItem().Key.ShouldBe("bob@example.com");
        (await resolver.ResolveAsync(EmailAddress.Parse("postmaster@remote.example"))).ShouldHaveSingleItem().IsLocal.ShouldBeFalse();
        (await resolver.ResolveAsync(EmailAddress.Parse("webmaster@example.org"))).ShouldHaveSingleItem().Key.ShouldBe("carol@example.org");
    }

    [Fact]
    public async Task Without_a_primary_postmaster_the_secondary_postmaster_resolves_to_nothing()
    {
        var resolver = new RecipientResolver(_env.Store, "example.com");

        (await resolver.ResolveAsync(EmailAddress.Parse("postmaster@example.org"))).ShouldBeEmpty();
        (await resolver.ResolveAsync(EmailAddress.Parse("postmaster@example.com"))).ShouldBeEmpty();
    }

    private Task<IReadOnlyList<ResolvedRecipient>> Resolve(string address) =>
        _env.Resolver.ResolveAsync(EmailAddress.Parse(address));
}
