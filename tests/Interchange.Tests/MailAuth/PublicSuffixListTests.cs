using Interchange.MailAuth.Dmarc;
using Shouldly;

namespace Interchange.Tests.MailAuth;

public sealed class PublicSuffixListTests
{
    private static readonly Lazy<PublicSuffixList> Debian = new(() => PublicSuffixList.Load());

    private static readonly PublicSuffixList Small = PublicSuffixList.Parse(
    [
        "// a comment",
        "com",
        "uk",
        "co.uk",
        "*.ck",
        "!www.ck",
        "jp",
        "*.kawasaki.jp",
        "!city.kawasaki.jp",
        "公司.cn   trailing words are ignored",
        "",
    ]);

    [Theory]
    [InlineData("example.com", "example.com")]
    [InlineData("a.b.example.com", "example.com")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("example.co.uk", "example.co.uk")]
    [InlineData("co.uk", "co.uk")]                      // a public suffix is its own organisational domain
    [InlineData("a.b.c.ck", "b.c.ck")]                  // wildcard: c.ck is a suffix
    [InlineData("www.ck", "www.ck")]                    // exception: the suffix is ck
    [InlineData("a.www.ck", "www.ck")]
    [InlineData("x.y.kawasaki.jp", "x.y.kawasaki.jp")]
    [InlineData("x.city.kawasaki.jp", "city.kawasaki.jp")]
    [InlineData("a.b.unlisted", "b.unlisted")]          // no rule: "*"
    [InlineData("EXAMPLE.Com.", "example.com")]
    [InlineData("a.例子.公司.cn", "xn--fsqu00a.xn--55qx5d.cn")]
    public void The_organisational_domain_follows_the_list_rules(string domain, string organisational) =>
        Small.GetOrganizationalDomain(domain).ShouldBe(organisational);

    [Theory]
    [InlineData("a.b.example.co.uk", "co.uk")]
    [InlineData("a.b.c.ck", "c.ck")]
    [InlineData("a.www.ck", "ck")]
    [InlineData("host.unlisted", "unlisted")]
    public void The_public_suffix_is_the_prevailing_rule(string domain, string suffix) =>
        Small.GetPublicSuffix(domain).ShouldBe(suffix);

    [Theory]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("mail.example.com", "example.com")]
    [InlineData("www.ck", "www.ck")]
    [InlineData("a.b.c.ck", "b.c.ck")]
    [InlineData("x.city.kawasaki.jp", "city.kawasaki.jp")]
    [InlineData("shop.example.github.io", "example.github.io")] // the private section counts too
    public void Debians_list_gives_the_known_organisational_domains(string domain, string organisational)
    {
        Debian.Value.Count.ShouldBeGreaterThan(5000);
        Debian.Value.GetOrganizationalDomain(domain).ShouldBe(organisational);
    }
}
