using System.Text;
using Interchange.Core.Addressing;
using Shouldly;

namespace Interchange.Tests.Core.Addressing;

public sealed class EmailAddressTests
{
    private static readonly string Local64 = new('a', 64);

    [Theory]
    [InlineData("user@example.com", "user@example.com", "user@example.com")]
    [InlineData("User@Example.COM", "User@example.com", "user@example.com")]
    [InlineData("USER@EXAMPLE.COM", "USER@example.com", "user@example.com")]
    [InlineData("user@example.com.", "user@example.com", "user@example.com")]
    [InlineData("<user@example.com>", "user@example.com", "user@example.com")]
    [InlineData("  user@example.com  ", "user@example.com", "user@example.com")]
    [InlineData("first.last+tag@Sub.Example.org", "first.last+tag@sub.example.org", "first.last+tag@sub.example.org")]
    [InlineData("!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com")]
    [InlineData("user@bücher.example", "user@xn--bcher-kva.example", "user@xn--bcher-kva.example")]
    [InlineData("User@Bücher.Example.", "User@xn--bcher-kva.example", "user@xn--bcher-kva.example")]
    [InlineData("user@xn--bcher-kva.example", "user@xn--bcher-kva.example", "user@xn--bcher-kva.example")]
    [InlineData("josé@example.com", "josé@example.com", "josé@example.com")]
    [InlineData("JOSÉ@example.com", "JOSÉ@example.com", "josé@example.com")]
    [InlineData("用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v", "用户@xn--fsqu00a.xn--4rr70v")]
    [InlineData("Δοκιμή@example.com", "Δοκιμή@example.com", "δοκιμή@example.com")]
    public void Valid_addresses_keep_the_local_part_as_written_and_key_it_in_lower_case(string input, string value, string key)
    {
        EmailAddress.TryParse(input, out var address, out var error).ShouldBeTrue(error);

        error.ShouldBeEmpty();
        address.Value.ShouldBe(value);
        address.ToString().ShouldBe(value);
        address.Key.ShouldBe(key);
        address.Domain.Value.ShouldBe(key[(key.LastIndexOf('@') + 1)..]);
        address.LocalPart.ShouldBe(value[..value.LastIndexOf('@')]);
        EmailAddress.Parse(input).ShouldBe(address);
    }

    [Theory]
    [InlineData("User@Example.COM", "user@example.com")]
    [InlineData("user@bücher.example", "USER@xn--bcher-kva.example")]
    [InlineData("User@Bücher.Example.", "user@XN--BCHER-KVA.EXAMPLE")]
    [InlineData("JOSÉ@Example.com", "josé@example.com")]
    public void Spellings_of_one_address_match_through_the_key(string a, string b)
    {
        var first = EmailAddress.Parse(a);
        var second = EmailAddress.Parse(b);

        first.Key.ShouldBe(second.Key);
        first.Matches(second).ShouldBeTrue();
        second.Matches(first).ShouldBeTrue();
    }

    [Fact]
    public void Different_addresses_do_not_match()
    {
        EmailAddress.Parse("alice@example.com").Matches(EmailAddress.Parse("alice@example.org")).ShouldBeFalse();
        EmailAddress.Parse("alice@example.com").Matches(EmailAddress.Parse("alicia@example.com")).ShouldBeFalse();
    }

    [Fact]
    public void The_local_part_limit_is_64_octets_counted_in_utf8()
    {
        EmailAddress.TryParse($"{Local64}@example.com", out var longest, out var error).ShouldBeTrue(error);
        longest.LocalPart.Length.ShouldBe(64);

        // 32 × 'é' is 64 octets (accepted); 33 is 66 (refused), though only 33 characters.
        var e32 = new string('é', 32);
        Encoding.UTF8.GetByteCount(e32).ShouldBe(64);
        EmailAddress.TryParse($"{e32}@example.com", out _, out error).ShouldBeTrue(error);
        EmailAddress.TryParse($"{e32}é@example.com", out _, out error).ShouldBeFalse();
        error.ShouldContain("longer than 64 octets");
    }

    [Fact]
    public void The_whole_address_limit_is_254_octets()
    {
        // 64 + 1 + 189 = 254: accepted. One more octet in the domain: refused.
        var domain189 = $"{new string('b', 63)}.{new string('c', 63)}.{new string('d', 61)}";
        domain189.Length.ShouldBe(189);
        EmailAddress.TryParse($"{Local64}@{domain189}", out var longest, out var error).ShouldBeTrue(error);
        Encoding.UTF8.GetByteCount(longest.Value).ShouldBe(254);

        EmailAddress.TryParse($"{Local64}@{domain189}d", out var refused, out error).ShouldBeFalse();
        error.ShouldContain("longer than 254 octets");
        refused.ShouldBe(default);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("  ", "empty")]
    [InlineData("userexample.com", "local@domain")]
    [InlineData("@example.com", "local@domain")]
    [InlineData("user@", "local@domain")]
    [InlineData("<>", "local@domain")]
    [InlineData(".user@example.com", "leading, trailing or doubled dot")]
    [InlineData("user.@example.com", "leading, trailing or doubled dot")]
    [InlineData("us..er@example.com", "leading, trailing or doubled dot")]
    [InlineData("\"john\"@example.com", "quoted local parts are not accepted")]
    [InlineData("\"john doe\"@example.com", "quoted local parts are not accepted")]
    [InlineData("john doe@example.com", "contains ' '")]
    [InlineData("john\tdoe@example.com", "not allowed")]
    [InlineData("john\u0001doe@example.com", "not allowed")]
    [InlineData("john\u007Fdoe@example.com", "not allowed")]
    [InlineData("john\u0085doe@example.com", "not allowed")]
    [InlineData("john\u00A0doe@example.com", "not allowed")]
    [InlineData("john\u3000doe@example.com", "not allowed")]
    [InlineData("a@b@example.com", "contains '@'")]
    [InlineData("john(comment)@example.com", "contains '('")]
    [InlineData("john,doe@example.com", "contains ','")]
    [InlineData("john\\doe@example.com", "not allowed")]
    [InlineData("user@[127.0.0.1]", "address literals")]
    [InlineData("user@[IPv6:2001:db8::1]", "address literals")]
    [InlineData("user@-example.com", "not a valid domain name")]
    [InlineData("user@example-.com", "not a valid domain name")]
    [InlineData("user@ex_ample.com", "not a valid domain name")]
    [InlineData("user@example..com", "not a valid domain name")]
    [InlineData("user@exa mple.com", "not a valid domain name")]
    public void Malformed_addresses_are_refused_with_a_reason(string? input, string reason)
    {
        EmailAddress.TryParse(input, out var address, out var error).ShouldBeFalse();

        address.ShouldBe(default);
        error.ShouldContain(reason);
        if (input is not null)
        {
            Should.Throw<FormatException>(() => EmailAddress.Parse(input)).Message.ShouldBe(error);
        }
    }

    [Fact]
    public void A_65_octet_local_part_is_refused()
    {
        EmailAddress.TryParse($"{Local64}a@example.com", out _, out var error).ShouldBeFalse();
        error.ShouldContain("longer than 64 octets");
    }

    [Fact]
    public void A_domain_label_of_64_octets_is_refused_and_63_accepted()
    {
        EmailAddress.TryParse($"user@{new string('x', 63)}.example", out _, out var error).ShouldBeTrue(error);
        EmailAddress.TryParse($"user@{new string('x', 64)}.example", out _, out error).ShouldBeFalse();
        error.ShouldContain("not a valid domain name");
    }
}
