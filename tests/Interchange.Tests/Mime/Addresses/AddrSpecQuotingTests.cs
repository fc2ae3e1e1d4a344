using Interchange.Mime.Addresses;
using Shouldly;

namespace Interchange.Tests.Mime.Addresses;

/// <summary><see cref="MailboxAddress.Address"/> is an addr-spec (RFC 5322 §3.4.1): a local part that is not a dot-atom is quoted again.</summary>
public sealed class AddrSpecQuotingTests
{
    [Theory]
    [InlineData("\"quoted local\"@example.com", "quoted local", "\"quoted local\"@example.com")]
    [InlineData("<\"a\\\"b\"@example.com>", "a\"b", "\"a\\\"b\"@example.com")]
    [InlineData("\"a\\\\b\"@example.com", "a\\b", "\"a\\\\b\"@example.com")]
    [InlineData("\"a..b\"@example.com", "a..b", "\"a..b\"@example.com")]
    [InlineData("\".a\"@example.com", ".a", "\".a\"@example.com")]
    [InlineData("\"a@b\"@example.com", "a@b", "\"a@b\"@example.com")]
    [InlineData("\"\"@example.com", "", "\"\"@example.com")]
    // A quoted dot-atom needs no quotes (RFC 5322 §3.4.1: the same address).
    [InlineData("\"plain\"@example.com", "plain", "plain@example.com")]
    [InlineData("first.last@example.com", "first.last", "first.last@example.com")]
    [InlineData("jürgen@example.com", "jürgen", "jürgen@example.com")]
    public void The_address_is_an_addr_spec(string text, string localPart, string address)
    {
        var mailbox = AddressParser.ParseList(text).ShouldHaveSingleItem().ShouldBeOfType<MailboxAddress>();

        mailbox.LocalPart.ShouldBe(localPart);
        mailbox.Address.ShouldBe(address);
        var reparsed = AddressParser.ParseList(mailbox.Address).ShouldHaveSingleItem().ShouldBeOfType<MailboxAddress>();
        (reparsed.LocalPart, reparsed.Domain).ShouldBe((mailbox.LocalPart, mailbox.Domain));
    }
}
