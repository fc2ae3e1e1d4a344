using System.Globalization;
using System.Text;
using Interchange.Mime.Addresses;
using Interchange.Mime.Imap;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Imap;

/// <summary>The RFC 3501 ENVELOPE model: raw strings, parsed addresses, defaults.</summary>
public sealed class EnvelopeTests
{
    [Fact]
    public void Every_envelope_field_comes_from_the_top_level_header()
    {
        var envelope = MimeParser.Parse(MimeCorpus.Read("address-forms.eml")).Envelope;

        envelope.Date.ShouldBe("5 Apr 25 13:05 EDT");
        envelope.ParsedDate.ShouldBe(DateTimeOffset.Parse("2025-04-05T13:05:00-04:00", CultureInfo.InvariantCulture));
        envelope.Subject.ShouldBe("Address forms");
        Mailbox(envelope.From.ShouldHaveSingleItem()).DisplayName.ShouldBe("Doe, Jane");
        var sender = Mailbox(envelope.Sender.ShouldHaveSingleItem());
        sender.Address.ShouldBe("secretary@example.com");
        sender.DisplayName.ShouldBe("The Secretary");
        Mailbox(envelope.ReplyTo.ShouldHaveSingleItem()).DisplayName.ShouldBe("Jürgen Müller");
        envelope.To.ShouldHaveSingleItem().ShouldBeOfType<GroupAddress>().Name.ShouldBe("undisclosed-recipients");
        envelope.Cc.Count.ShouldBe(6);
        Mailbox(envelope.Cc[2]).Route.ShouldBe("@relay1.example,@relay2.example");
        Mailbox(envelope.Cc[3]).LocalPart.ShouldBe("quoted local");
        Mailbox(envelope.Bcc.ShouldHaveSingleItem()).DisplayName.ShouldBe("André Pirard");
        envelope.InReplyTo.ShouldBe("<earlier@example.com>");
        envelope.MessageId.ShouldBe("<forms@example.com>");
    }

    [Fact]
    public void Sender_and_reply_to_default_to_from_when_absent_or_empty()
    {
        var input = Encoding.ASCII.GetBytes("From: a@example.com\r\nReply-To:\r\nSubject: s\r\n\r\n");

        var envelope = MimeParser.Parse(input).Envelope;

        envelope.Sender.ShouldBe(envelope.From);
        envelope.ReplyTo.ShouldBe(envelope.From);
        envelope.To.ShouldBeEmpty();
        envelope.Date.ShouldBeNull();
        envelope.ParsedDate.ShouldBeNull();
        envelope.MessageId.ShouldBeNull();
    }

    [Fact]
    public void Groups_flatten_to_imap_start_and_end_markers()
    {
        var list = AddressParser.ParseList("Team: =?utf-8?q?B=C3=B8b?= <bob@x.example>, c@y.example;, d@z.example, nodomain");

        var flat = EnvelopeAddress.Flatten(list);

        flat.Count.ShouldBe(6);
        flat[0].IsGroupStart.ShouldBeTrue();
        flat[0].Mailbox.ShouldBe("Team");
        flat[1].ShouldBe(new EnvelopeAddress("=?utf-8?q?B=C3=B8b?=", null, "bob", "x.example"));
        flat[2].ShouldBe(new EnvelopeAddress(null, null, "c", "y.example"));
        flat[3].IsGroupEnd.ShouldBeTrue();
        flat[4].ShouldBe(new EnvelopeAddress(null, null, "d", "z.example"));
        flat[5].Host.ShouldBeNull();
        flat[5].IsGroupStart.ShouldBeFalse();
        flat[5].IsGroupEnd.ShouldBeFalse();
    }

    [Fact]
    public void An_embedded_message_has_its_own_envelope()
    {
        var message = MimeParser.Parse(MimeCorpus.Read("dsn-report.eml"));

        var inner = message.Root.Children[2].EmbeddedMessage!;

        inner.IsMessage.ShouldBeTrue();
        inner.Envelope.MessageId.ShouldBe("<orig-1@example.org>");
        message.Root.Children[2].IsMessage.ShouldBeFalse();
    }

    private static MailboxAddress Mailbox(Address address) => address.ShouldBeOfType<MailboxAddress>();
}
