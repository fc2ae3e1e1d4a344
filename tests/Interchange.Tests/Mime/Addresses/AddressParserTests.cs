using FsCheck;
using FsCheck.Fluent;
using Interchange.Mime.Addresses;
using Shouldly;

namespace Interchange.Tests.Mime.Addresses;

/// <summary>RFC 5322 §3.4 address lists as real mail writes them, and garbage.</summary>
public sealed class AddressParserTests
{
    [Theory]
    // input, display name (decoded), local part, domain
    [InlineData("user@example.com", null, "user", "example.com")]
    [InlineData("John Doe <john@example.com>", "John Doe", "john", "example.com")]
    [InlineData("\"Doe, John\" <john@example.com>", "Doe, John", "john", "example.com")]
    [InlineData("john@example.com (John Doe)", "John Doe", "john", "example.com")]
    [InlineData("<john@example.com>", null, "john", "example.com")]
    [InlineData("  <john@example.com>  ", null, "john", "example.com")]
    [InlineData("=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <j@example.de>", "Jürgen Müller", "j", "example.de")]
    [InlineData("\"=?utf-8?q?J=C3=BCrgen?=\" <j@example.de>", "Jürgen", "j", "example.de")]
    [InlineData("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", "André Pirard", "PIRARD", "vm1.ulg.ac.be")]
    [InlineData("\"quoted local\"@example.com", null, "quoted local", "example.com")]
    [InlineData("\"a\\\"b\"@example.com", null, "a\"b", "example.com")]
    [InlineData("John Q. Public <jqp@example.com>", "John Q. Public", "jqp", "example.com")]
    [InlineData("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "Pete", "pete", "silly.test")]
    [InlineData("john . doe @ example . com", null, "john.doe", "example.com")]
    [InlineData("user@[192.0.2.1]", null, "user", "[192.0.2.1]")]
    [InlineData("Jürgen <jürgen@bücher.example>", "Jürgen", "jürgen", "bücher.example")]
    [InlineData("John Smith john@example.com", "John Smith", "john", "example.com")]
    [InlineData("<a@b", null, "a", "b")]
    [InlineData("<<a@b>>", null, "a", "b")]
    public void Mailboxes_parse(string text, string? displayName, string localPart, string domain)
    {
        var mailbox = AddressParser.ParseList(text).ShouldHaveSingleItem().ShouldBeOfType<MailboxAddress>();

        mailbox.DisplayName.ShouldBe(displayName);
        mailbox.LocalPart.ShouldBe(localPart);
        mailbox.Domain.ShouldBe(domain);
    }

    [Fact]
    public void Raw_display_names_keep_encoded_words_for_imap()
    {
        var mailbox = AddressParser.ParseMailbox("=?utf-8?q?J=C3=BCrgen?= \"M.\" <j@example.de>")!;

        mailbox.RawDisplayName.ShouldBe("=?utf-8?q?J=C3=BCrgen?= M.");
        mailbox.DisplayName.ShouldBe("Jürgen M.");
    }

    [Fact]
    public void Obsolete_routes_are_kept()
    {
        var mailbox = AddressParser.ParseMailbox("Relay <@relay1.example,@relay2.example:dave@example.com>")!;

        mailbox.Route.ShouldBe("@relay1.example,@relay2.example");
        mailbox.Address.ShouldBe("dave@example.com");
        mailbox.DisplayName.ShouldBe("Relay");
    }

    [Fact]
    public void Rfc_5322_appendix_a_lists_and_groups()
    {
        var list = AddressParser.ParseList("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>");
        list.Cast<MailboxAddress>().Select(m => (m.DisplayName, m.Address)).ShouldBe([("Mary Smith", "mary@x.test"), (null, "jdoe@example.org"), ("Who?", "one@y.test")]);

        var group = AddressParser.ParseList("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;").ShouldHaveSingleItem().ShouldBeOfType<GroupAddress>();
        group.Name.ShouldBe("A Group");
        group.Members.Select(m => m.Address).ShouldBe(["c@a.test", "joe@where.test", "jdoe@one.test"]);

        var empty = AddressParser.ParseList("Undisclosed recipients:;").ShouldHaveSingleItem().ShouldBeOfType<GroupAddress>();
        empty.Name.ShouldBe("Undisclosed recipients");
        empty.Members.ShouldBeEmpty();
    }

    [Fact]
    public void Groups_and_mailboxes_mix_in_one_list()
    {
        var list = AddressParser.ParseList("Team: alice@example.org, \"Bob B.\" <bob@example.org>;, carol@example.net, undisclosed:");

        list.Count.ShouldBe(3);
        var team = list[0].ShouldBeOfType<GroupAddress>();
        team.Members.Select(m => m.DisplayName).ShouldBe([null, "Bob B."]);
        list[1].ShouldBeOfType<MailboxAddress>().Address.ShouldBe("carol@example.net");
        list[2].ShouldBeOfType<GroupAddress>().Name.ShouldBe("undisclosed");
    }

    [Fact]
    public void An_unquoted_comma_in_a_name_splits_it_as_other_readers_do()
    {
        var list = AddressParser.ParseList("Smith, John <john@example.com>");

        list.Count.ShouldBe(2);
        var first = list[0].ShouldBeOfType<MailboxAddress>();
        first.LocalPart.ShouldBe("Smith");
        first.Domain.ShouldBeNull();
        list[1].ShouldBeOfType<MailboxAddress>().DisplayName.ShouldBe("John");
    }

    [Theory]
    [InlineData("", 0)]
    [InlineData(",,, ;;", 0)]
    [InlineData("<>", 0)]
    [InlineData("a@b, , c@d", 2)]
    [InlineData("undisclosed-recipients", 1)]
    [InlineData("\"unterminated <a@b>", 1)]
    [InlineData("(unterminated comment a@b", 0)]
    [InlineData("<<>>", 0)]
    [InlineData("@", 0)]
    [InlineData(":;", 1)]
    public void Garbage_yields_what_can_be_recognised(string text, int count)
    {
        AddressParser.ParseList(text).Count.ShouldBe(count);
    }

    [Fact]
    public void Any_text_parses_without_throwing()
    {
        var pieces = Gen.Elements("a", "b@c", "@", "<", ">", ",", ";", ":", "\"", "\\", "(", ")", "[", "]", ".", " ", "=?utf-8?q?x?=", "é", "\r\n ");
        var texts = Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(pieces, n)).Select(p => string.Concat(p));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(texts.ToArbitrary(), text =>
            AddressParser.ParseList(text).All(a => a is MailboxAddress { LocalPart: not null } or GroupAddress { Members: not null })));
    }
}
