using FsCheck;
using FsCheck.Fluent;
using Interchange.Core.Addressing;
using Shouldly;

namespace Interchange.Tests.Core.Addressing;

/// <summary>
/// Labels with "--" in positions 3 and 4 are reserved (RFC 5891 §4.2.3.1): only "xn--" labels
/// that decode are accepted, so <see cref="DomainName.Unicode"/> is total over parsed names.
/// </summary>
public sealed class DomainNameReservedLabelTests
{
    [Theory]
    [InlineData("an--b")]
    [InlineData("an--b.example")]
    [InlineData("mail.ab--cd.example")]
    [InlineData("AN--B.example")]
    [InlineData("xn--.example")]
    [InlineData("xn--a.example")]
    [InlineData("xn--zz-.example")]
    public void Reserved_and_undecodable_labels_are_refused(string input)
    {
        DomainName.TryParse(input, out _, out var error).ShouldBeFalse();
        error.ShouldContain("not a valid domain name");
    }

    [Theory]
    [InlineData("a--b.example", "a--b.example")]
    [InlineData("abc--d.example", "abc--d.example")]
    [InlineData("xn--bcher-kva.example", "bücher.example")]
    [InlineData("a-b-c.example", "a-b-c.example")]
    public void Hyphens_elsewhere_and_valid_a_labels_are_accepted(string input, string unicode)
    {
        DomainName.TryParse(input, out var domain, out var error).ShouldBeTrue(error);
        domain.Unicode.ShouldBe(unicode);
    }

    [Fact]
    public void Unicode_is_total_over_every_accepted_name()
    {
        // Labels from an alphabet heavy in hyphens, with "xn--" and "--" often at the front.
        var chars = Gen.Elements("ab0-x-n-ü".ToCharArray());
        var tail = Gen.Choose(0, 10).SelectMany(n => Gen.ArrayOf(chars, n)).Select(cs => new string(cs));
        var label = Gen.Elements("", "xn--", "a--", "ab--", "xn-", "--").Zip(tail).Select(p => p.Item1 + p.Item2);
        var name = Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(label, n)).Select(ls => string.Join('.', ls));

        Prop.ForAll(name.ToArbitrary(), text =>
        {
            if (!DomainName.TryParse(text, out var domain, out _))
            {
                return true;
            }

            var unicode = domain.Unicode;
            return DomainName.Parse(unicode) == domain;
        }).QuickCheckThrowOnFailure();
    }
}
