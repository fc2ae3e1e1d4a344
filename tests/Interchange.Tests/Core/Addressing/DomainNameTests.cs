using Interchange.Core.Addressing;
using Shouldly;

namespace Interchange.Tests.Core.Addressing;

public sealed class DomainNameTests
{
    public static readonly string Label63 = new('a', 63);

    // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 octets, the most a domain may have.
    public static readonly string Domain253 = $"{Label63}.{new string('b', 63)}.{new string('c', 63)}.{new string('d', 61)}";

    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("Example.COM", "example.com")]
    [InlineData("example.com.", "example.com")]
    [InlineData("  Mail.Example.Org  ", "mail.example.org")]
    [InlineData("localhost", "localhost")]
    [InlineData("a-b.c0.example", "a-b.c0.example")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("Bücher.Example.", "xn--bcher-kva.example")]
    [InlineData("BÜCHER.example", "xn--bcher-kva.example")]
    [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")]
    [InlineData("XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example")]
    [InlineData("münchen.de", "xn--mnchen-3ya.de")]
    [InlineData("例子.广告", "xn--fsqu00a.xn--4rr70v")]
    public void Valid_domains_normalise_to_lower_case_ascii_without_a_trailing_dot(string input, string canonical)
    {
        DomainName.TryParse(input, out var domain, out var error).ShouldBeTrue(error);

        domain.Value.ShouldBe(canonical);
        domain.ToString().ShouldBe(canonical);
        error.ShouldBeEmpty();
        DomainName.Parse(input).ShouldBe(domain);
    }

    [Fact]
    public void Two_spellings_of_one_internationalised_domain_are_equal_and_show_the_same_unicode_form()
    {
        var unicode = DomainName.Parse("Bücher.Example.");
        var ascii = DomainName.Parse("xn--bcher-kva.example");

        unicode.ShouldBe(ascii);
        (unicode == ascii).ShouldBeTrue();
        unicode.GetHashCode().ShouldBe(ascii.GetHashCode());
        ascii.Unicode.ShouldBe("bücher.example");
    }

    [Fact]
    public void Labels_of_63_octets_and_names_of_253_octets_are_the_limits()
    {
        Domain253.Length.ShouldBe(253);

        DomainName.TryParse($"{Label63}.example", out _, out var labelError).ShouldBeTrue(labelError);
        DomainName.TryParse(Domain253, out var longest, out var lengthError).ShouldBeTrue(lengthError);
        longest.Value.ShouldBe(Domain253);
        DomainName.TryParse(Domain253 + ".", out _, out var dotError).ShouldBeTrue(dotError);

        DomainName.TryParse($"{Label63}a.example", out _, out _).ShouldBeFalse();
        DomainName.TryParse("e" + Domain253, out _, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData(".", "not a domain name")]
    [InlineData("[127.0.0.1]", "address literals")]
    [InlineData("[IPv6:::1]", "address literals")]
    [InlineData("-example.com", "not a valid domain name")]
    [InlineData("example-.com", "not a valid domain name")]
    [InlineData("mail.-example.com", "not a valid domain name")]
    [InlineData("ex_ample.com", "not a valid domain name")]
    [InlineData("_dmarc.example.com", "not a valid domain name")]
    [InlineData("example..com", "not a valid domain name")]
    [InlineData(".example.com", "not a valid domain name")]
    [InlineData("exa mple.com", "not a valid domain name")]
    [InlineData("example.com/", "not a valid domain name")]
    [InlineData("exa\u0001mple.com", "not a valid domain name")]
    [InlineData("user@example.com", "not a valid domain name")]
    public void Malformed_domains_are_refused_with_a_reason(string? input, string reason)
    {
        DomainName.TryParse(input, out var domain, out var error).ShouldBeFalse();

        domain.ShouldBe(default);
        error.ShouldContain(reason);
        if (input is not null)
        {
            Should.Throw<FormatException>(() => DomainName.Parse(input)).Message.ShouldBe(error);
        }
    }

    [Fact]
    public void A_64_octet_label_is_refused()
    {
        DomainName.TryParse($"{new string('x', 64)}.example", out _, out var error).ShouldBeFalse();
        error.ShouldNotBeEmpty();
    }
}
