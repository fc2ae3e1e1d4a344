using System.Text;
using Interchange.Mime.Addresses;
using Interchange.Mime.Headers;
using Interchange.Mime.Parsing;
using Shouldly;
using Kit = MimeKit;

namespace Interchange.Tests.Mime.Differential;

/// <summary>
/// Interchange.Mime against MimeKit (the reference reader for .NET mail) over the cases of
/// issue 8 item 15, where the two used to disagree: both must now read each case alike.
/// </summary>
public sealed class MimeKitDifferentialTests
{
    // A message whose first line is not a field is not compared: MimeKit refuses it ("Failed to
    // parse message headers"); we skip that line too (HeaderLineWithoutColonTests).
    public static TheoryData<string> HeaderBlocks => new()
    {
        "From: a@example.com\r\nSubject: s\r\nThis line has no colon\r\nTo: b@example.com\r\n\r\nBody.\r\n",
        "From: a@example.com\r\nnot a field\r\nContent-Type: text/html; charset=utf-8\r\nTo: b@example.com, c@example.com\r\n\r\n<p>x</p>\r\n",
        "From: a@example.com\r\n@@@ junk @@@\r\nbad line two\r\nTo: b@example.com\r\nSubject: after two bad lines\r\n\r\nBody.\r\n",
        "From: a@example.com\nnot a field\nTo: b@example.com\n\nLF only.\n",
        "From: a@example.com\r\nTo: b@example.com\r\n\r\nordinary\r\n",
    };

    [Theory]
    [MemberData(nameof(HeaderBlocks))]
    public void Header_fields_after_a_line_without_colon_are_read_alike(string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        var ours = MimeParser.Parse(bytes);
        var theirs = Kit.MimeMessage.Load(new MemoryStream(bytes));

        ours.Envelope.Subject.ShouldBe(theirs.Headers[Kit.HeaderId.Subject]);
        ours.Envelope.To.OfType<MailboxAddress>().Select(m => m.Address).ShouldBe(theirs.To.Mailboxes.Select(m => m.Address));
        ours.Root.ContentType.MimeType.ShouldBe(theirs.Body!.ContentType.MimeType.ToLowerInvariant());
        var ourBody = Encoding.ASCII.GetString(bytes[(int)ours.Root.BodyStart..(int)ours.Root.BodyEnd]);
        ourBody.ShouldBe(BodyText(theirs));
    }

    // A quoted dot-atom ("plain"@example.com) is not compared: MimeKit keeps the quotes as
    // written, we write the equal unquoted form.
    [Theory]
    [InlineData("\"quoted local\"@example.com")]
    [InlineData("Name <\"quoted local\"@example.com>")]
    [InlineData("\"a\\\"b\"@example.com")]
    [InlineData("\"a..b\"@example.com")]
    [InlineData("first.last@example.com")]
    public void Mailbox_addresses_are_addr_specs_alike(string text)
    {
        var ours = AddressParser.ParseList(text).ShouldHaveSingleItem().ShouldBeOfType<MailboxAddress>();
        var theirs = Kit.MailboxAddress.Parse(text);

        ours.Address.ShouldBe(theirs.Address);
    }

    // The unquoted forms ("charset=utf-8 format=flowed", no ';' after the subtype) are read as
    // meant here (MissingSemicolonTests) but not by MimeKit, so they are not compared.
    [Theory]
    [InlineData("text/plain; charset=\"utf-8\" format=flowed")]
    [InlineData("text/plain; charset=\"utf-8\"; format=flowed")]
    [InlineData("text/plain; charset=\"utf-8\"\tformat=\"flowed\"")]
    public void Content_type_parameters_with_a_missing_semicolon_are_read_alike(string value)
    {
        var ours = ContentType.Parse(value)!;
        Kit.ContentType.TryParse(Kit.ParserOptions.Default, Encoding.ASCII.GetBytes(value), out var theirs).ShouldBeTrue();

        ours.MimeType.ShouldBe(theirs!.MimeType);
        ours.Charset.ShouldBe(theirs.Charset);
        ours.Parameters["format"].ShouldBe(theirs.Format);
    }

    private static string BodyText(Kit.MimeMessage message)
    {
        using var output = new MemoryStream();
        message.Body.ShouldBeAssignableTo<Kit.MimePart>()!.Content!.WriteTo(output);
        return Encoding.ASCII.GetString(output.ToArray());
    }
}
