using System.Text;
using Interchange.Mime.Addresses;
using Interchange.Mime.Encodings;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Parsing;

/// <summary>Realistic messages from the corpus: what each must parse to.</summary>
public sealed class CorpusMessageTests
{
    private static readonly byte[] s_pdf = Encoding.Latin1.GetBytes("%PDF-1.4\n%\xc7\xec\x8f\xa2\n1 0 obj\n<</Type/Catalog>>\nendobj\ntrailer\n<</Root 1 0 R>>\n%%EOF\n");

    [Theory]
    [MemberData(nameof(MimeCorpus.All), MemberType = typeof(MimeCorpus))]
    public void Every_corpus_message_parses_to_a_sound_structure(string name)
    {
        var input = MimeCorpus.Read(name);

        var structure = MimeParser.Parse(input);

        MimeStructureChecks.FindViolation(structure, input).ShouldBeNull();
    }

    [Fact]
    public void Thunderbird_alternative_with_inline_image()
    {
        var (input, message) = Parse("thunderbird-alternative-inline-image.eml");
        var root = message.Root;

        root.ContentType.MimeType.ShouldBe("multipart/alternative");
        root.Kind.ShouldBe(MimePartKind.Multipart);
        root.Defects.ShouldBe(MimeDefects.None);
        root.ContentLanguage.ShouldBe(["en-US"]);
        MimeStructureChecks.Text(input, root.Preamble!.Value).ShouldBe("This is a multi-part message in MIME format.");
        root.Children.Count.ShouldBe(2);

        var plain = root.Children[0];
        plain.ContentType.MimeType.ShouldBe("text/plain");
        plain.ContentType.Charset.ShouldBe("UTF-8");
        plain.ContentType.Parameters["format"].ShouldBe("flowed");
        MimeStructureChecks.Text(input, plain.BodyRange).ShouldBe("Hi Bob,\r\n\r\nHere is the view from the hotel.\r\n\r\nAlice\r\n");
        plain.BodyLines.ShouldBe(5);

        var related = root.Children[1];
        related.ContentType.MimeType.ShouldBe("multipart/related");
        related.Children.Select(c => c.ContentType.MimeType).ShouldBe(["text/html", "image/png"]);

        var html = Decode(input, related.Children[0]);
        Encoding.UTF8.GetString(html).ShouldContain("<img src=\"cid:part1.Xq2Lm9Zt.Wb7Kd3Rp@example.org\" alt=\"\">");
        Encoding.UTF8.GetString(html).ShouldContain("content=\"text/html; charset=UTF-8\">");

        var image = related.Children[1];
        image.ContentId.ShouldBe("<part1.Xq2Lm9Zt.Wb7Kd3Rp@example.org>");
        image.ContentDisposition!.Disposition.ShouldBe("inline");
        image.ContentDisposition.FileName.ShouldBe("view.png");
        image.TransferEncoding.ShouldBe(TransferEncoding.Base64);
        var png = Decode(input, image);
        png.AsSpan(0, 8).ToArray().ShouldBe(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });
        var base64Text = MimeStructureChecks.Text(input, image.BodyRange).Replace("\r\n", string.Empty, StringComparison.Ordinal);
        Convert.ToBase64String(png).ShouldBe(base64Text);

        var envelope = message.Envelope;
        envelope.DecodedSubject.ShouldBe("Photos from the trip");
        envelope.ParsedDate.ShouldBe(new DateTimeOffset(2025, 10, 14, 9, 12, 40, TimeSpan.FromHours(2)));
        Mailbox(envelope.From[0]).Address.ShouldBe("alice@example.org");
        envelope.MessageId.ShouldBe("<5f0e2c7a-1b2d-4c3e-9f8a-0123456789ab@example.org>");

        var received = root.Headers["Received"]!;
        received.Raw.Length.ShouldBe((int)received.Length);
        received.Text.ShouldBe("from mail.example.org (mail.example.org [192.0.2.10])\tby mx.example.com with ESMTPS id 4Xy2Z1abcd\tfor <bob@example.com>; Tue, 14 Oct 2025 09:12:44 +0200 (CEST)");
    }

    [Fact]
    public void Outlook_message_with_windows_1252_words_and_a_tnef_attachment()
    {
        var (input, message) = Parse("outlook-winmail-cp1252.eml");
        var envelope = message.Envelope;

        envelope.DecodedSubject.ShouldBe("Résumé – réunion de l’équipe");
        envelope.Subject.ShouldBe("=?Windows-1252?Q?R=E9sum=E9_=96_r=E9union_de_l=92=E9quipe?=");
        envelope.From[0].DisplayName.ShouldBe("Renée François");
        Mailbox(envelope.From[0]).RawDisplayName.ShouldBe("=?Windows-1252?Q?Ren=E9e_Fran=E7ois?=");
        envelope.To[0].DisplayName.ShouldBe("Smith, John");
        envelope.Cc[0].DisplayName.ShouldBe("Équipe projet");
        message.Root.Headers.GetValue("Thread-Topic").ShouldBe("Résumé – réunion de l’équipe");

        var text = message.Root.Children[0];
        text.ContentType.Charset.ShouldBe("Windows-1252");
        Read(input, text).ShouldBe("Bonjour John,\r\n\r\nVoici le résumé de la réunion – merci de le relire.\r\n\r\nRenée\r\n");

        var tnef = message.Root.Children[1];
        tnef.ContentType.MimeType.ShouldBe("application/ms-tnef");
        tnef.ContentType.Name.ShouldBe("winmail.dat");
        tnef.ContentDescription.ShouldBe("winmail.dat");
        tnef.ContentDisposition!.Parameters["creation-date"].ShouldBe("Mon, 03 Mar 2025 16:45:11 GMT");
        var bytes = Decode(input, tnef);
        bytes.Length.ShouldBe(int.Parse(tnef.ContentDisposition.Parameters["size"]!, System.Globalization.CultureInfo.InvariantCulture));
        bytes.AsSpan(0, 4).ToArray().ShouldBe(new byte[] { 0x78, 0x9F, 0x3E, 0x22 });
    }

    [Fact]
    public void Multipart_signed_keeps_the_signed_entity_byte_exact()
    {
        var (input, message) = Parse("multipart-signed.eml");
        var root = message.Root;

        root.ContentType.MimeType.ShouldBe("multipart/signed");
        root.ContentType.Parameters["protocol"].ShouldBe("application/pgp-signature");
        root.ContentType.Parameters["micalg"].ShouldBe("pgp-sha256");

        // What a verifier hashes: the first part's MIME header and body, exactly.
        MimeStructureChecks.Text(input, root.Children[0].Range)
            .ShouldBe("Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\nThe signed text.");

        var signature = MimeStructureChecks.Text(input, root.Children[1].BodyRange);
        signature.ShouldStartWith("-----BEGIN PGP SIGNATURE-----\r\n");
        signature.ShouldEndWith("-----END PGP SIGNATURE-----\r\n");
        message.Defects.ShouldBe(MimeDefects.None);
    }

    [Fact]
    public void Delivery_status_notification()
    {
        var (input, message) = Parse("dsn-report.eml");
        var root = message.Root;

        root.ContentType.MimeType.ShouldBe("multipart/report");
        root.ContentType.Parameters["report-type"].ShouldBe("delivery-status");
        root.ContentType.Boundary.ShouldBe("ABC123.1738830600/mx.example.com");
        root.Children.Select(c => c.ContentType.MimeType).ShouldBe(["text/plain", "message/delivery-status", "message/rfc822"]);
        root.Children.Select(c => c.ContentDescription).ShouldBe(["Notification", "Delivery report", "Undelivered Message"]);

        var status = root.Children[1];
        status.Kind.ShouldBe(MimePartKind.Leaf);
        MimeStructureChecks.Text(input, status.BodyRange).ShouldContain("Status: 5.1.1\r\n");

        var original = root.Children[2];
        original.Kind.ShouldBe(MimePartKind.Message);
        original.EmbeddedMessage!.Envelope.DecodedSubject.ShouldBe("Hello there");
        Mailbox(original.EmbeddedMessage.Envelope.From[0]).Address.ShouldBe("sender@example.org");
        MimeStructureChecks.Text(input, original.EmbeddedMessage.BodyRange).ShouldBe("Original body.\r\n");

        var from = Mailbox(message.Envelope.From[0]);
        from.Address.ShouldBe("MAILER-DAEMON@mx.example.com");
        from.DisplayName.ShouldBe("Mail Delivery System");
        message.Envelope.ParsedDate.ShouldBe(new DateTimeOffset(2025, 2, 6, 8, 30, 0, TimeSpan.Zero));
        message.Root.Headers.GetText("Auto-Submitted").ShouldBe("auto-replied");
    }

    [Fact]
    public void Forwarded_message_with_its_own_attachments()
    {
        var (input, message) = Parse("forwarded-rfc822.eml");
        var root = message.Root;

        Read(input, root.Children[0]).ShouldBe("See the forwarded message below. — Eve\r\n");
        var forwarded = root.Children[1];
        forwarded.Kind.ShouldBe(MimePartKind.Message);
        forwarded.ContentDisposition!.FileName.ShouldBe("Contract draft.eml");

        var inner = forwarded.EmbeddedMessage!;
        inner.Envelope.DecodedSubject.ShouldBe("Contract draft");
        inner.Envelope.ParsedDate.ShouldBe(new DateTimeOffset(2025, 3, 6, 17, 20, 0, TimeSpan.FromHours(-8)));
        inner.Children.Select(c => c.ContentType.MimeType).ShouldBe(["text/plain", "application/pdf", "text/csv"]);
        MimeStructureChecks.Text(input, inner.Children[0].BodyRange).ShouldBe("Draft attached.");
        Decode(input, inner.Children[1]).ShouldBe(s_pdf);
        inner.Children[1].ContentDisposition!.FileName.ShouldBe("draft.pdf");
        MimeStructureChecks.Text(input, inner.Children[2].BodyRange).ShouldBe("item,price\r\na,1");
        inner.Children[2].BodyLines.ShouldBe(1);
        forwarded.BodyEnd.ShouldBe(inner.BodyEnd);
    }

    [Fact]
    public void Iso_2022_jp_headers_and_body_decode()
    {
        var (input, message) = Parse("iso-2022-jp.eml");

        message.Envelope.DecodedSubject.ShouldBe("会議の件");
        message.Envelope.From[0].DisplayName.ShouldBe("山田太郎");
        message.Root.ContentType.Charset.ShouldBe("ISO-2022-JP");
        Read(input, message.Root).ShouldBe("花子さん\r\n明日の会議は10時からです。\r\n太郎\r\n");
    }

    [Fact]
    public void Rfc2231_continued_utf8_filename_wins_over_the_plain_fallback()
    {
        var (_, message) = Parse("rfc2231-filename.eml");
        var attachment = message.Root.Children[1];

        attachment.ContentDisposition!.FileName.ShouldBe("Rechnung für März 2025 – Größe.pdf");
        var parameter = attachment.ContentDisposition.Parameters.Find("filename")!;
        parameter.Charset.ShouldBe("UTF-8");
        parameter.Language.ShouldBe("de");
        attachment.ContentType.Name.ShouldBe("Rechnung für März 2025 – Größe.pdf");
        attachment.ContentType.Parameters.Find("name")!.Language.ShouldBeNull();
    }

    [Fact]
    public void Digest_parts_without_content_type_are_messages()
    {
        var (input, message) = Parse("digest.eml");
        var parts = message.Root.Children;

        parts.Count.ShouldBe(3);
        parts[0].ContentType.MimeType.ShouldBe("message/rfc822");
        parts[0].ContentType.IsDefault.ShouldBeTrue();
        parts[0].Kind.ShouldBe(MimePartKind.Message);
        parts[0].EmbeddedMessage!.Envelope.DecodedSubject.ShouldBe("First post");
        parts[1].EmbeddedMessage!.Envelope.DecodedSubject.ShouldBe("Second post");
        MimeStructureChecks.Text(input, parts[1].EmbeddedMessage!.BodyRange).ShouldBe("Body two.");
        parts[2].ContentType.MimeType.ShouldBe("text/plain");
        parts[2].Kind.ShouldBe(MimePartKind.Leaf);
    }

    [Fact]
    public void Raw_utf8_headers_and_a_message_global_part()
    {
        var (input, message) = Parse("utf8-headers.eml");

        message.Envelope.DecodedSubject.ShouldBe("Grüße aus Köln — 你好");
        var from = Mailbox(message.Envelope.From[0]);
        from.DisplayName.ShouldBe("Jürgen Müller");
        from.LocalPart.ShouldBe("jürgen");
        from.Domain.ShouldBe("bücher.example");
        Mailbox(message.Envelope.To[0]).Domain.ShouldBe("例子.广告");
        message.Root.Defects.HasFlag(MimeDefects.EightBitHeader).ShouldBeTrue();

        var global = message.Root.Children[1];
        global.Kind.ShouldBe(MimePartKind.Message);
        global.EmbeddedMessage!.Envelope.From[0].DisplayName.ShouldBe("Ünïcode");
        MimeStructureChecks.Text(input, global.EmbeddedMessage.BodyRange).ShouldBe("Innen.");
    }

    private static (byte[] Input, MessageStructure Message) Parse(string name)
    {
        var input = MimeCorpus.Read(name);
        return (input, MimeParser.Parse(input));
    }

    private static MailboxAddress Mailbox(Address address) => address.ShouldBeOfType<MailboxAddress>();

    private static byte[] Decode(byte[] input, MimePart part)
    {
        using var message = new MemoryStream(input, writable: false);
        return PartContent.ReadBytesAsync(message, part).GetAwaiter().GetResult();
    }

    private static string Read(byte[] input, MimePart part)
    {
        using var message = new MemoryStream(input, writable: false);
        return PartContent.ReadTextAsync(message, part).GetAwaiter().GetResult();
    }
}
