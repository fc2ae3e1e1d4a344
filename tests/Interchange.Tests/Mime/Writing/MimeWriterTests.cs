using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Interchange.Mime.Addresses;
using Interchange.Mime.Encodings;
using Interchange.Mime.Headers;
using Interchange.Mime.Parsing;
using Interchange.Mime.Writing;
using Shouldly;

namespace Interchange.Tests.Mime.Writing;

/// <summary>What the writer produces reads back, through the parser, to the same structure and content.</summary>
public sealed class MimeWriterTests
{
    private static readonly DateTimeOffset s_date = new(2026, 11, 21, 10, 30, 0, TimeSpan.FromHours(1));

    [Fact]
    public async Task A_small_message_is_written_exactly()
    {
        var message = new OutgoingMessage { Subject = "Hello", Date = s_date, MessageId = "<m1@example.com>", Body = new OutgoingText("Hi there.\n") };
        message.From.Add(new MailboxAddress("Postmaster", "postmaster", "example.com"));
        message.To.Add(new MailboxAddress(null, "user", "example.org"));

        var bytes = await new MimeWriter().ToBytesAsync(message);

        Encoding.ASCII.GetString(bytes).ShouldBe(
            "Date: Sat, 21 Nov 2026 10:30:00 +0100\r\n"
            + "From: Postmaster <postmaster@example.com>\r\n"
            + "To: user@example.org\r\n"
            + "Subject: Hello\r\n"
            + "Message-ID: <m1@example.com>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: 7bit\r\n"
            + "\r\n"
            + "Hi there.\r\n");
    }

    [Fact]
    public async Task A_rich_message_round_trips_through_the_parser()
    {
        var original = MimeCorpus.Read("forwarded-rfc822.eml");
        var data = new byte[10_000];
        new Random(3).NextBytes(data);
        const string subject = "Réunion — ordre du jour très détaillé pour la semaine prochaine, avec beaucoup de mots pour plier";
        const string fileName = "Größe der Datei – sehr langer Name für die Fortsetzung nach RFC 2231.bin";

        var message = new OutgoingMessage { Subject = subject, Date = s_date, MessageId = "<rt-1@example.com>", InReplyTo = "<a@example.com>", References = "<a@example.com> <b@example.com>" };
        message.From.Add(new MailboxAddress("Doe, Jöhn \"JJ\"", "john.doe", "example.com"));
        message.To.Add(new MailboxAddress("Plain Name", "plain", "example.org"));
        message.To.Add(new MailboxAddress(null, "quoted local", "example.org"));
        message.Cc.Add(new GroupAddress("Équipe", [new MailboxAddress("A. Person", "a", "x.example"), new MailboxAddress(null, "b", "y.example")]));
        message.Headers.Add(new("Auto-Submitted", "auto-generated"));
        var alternative = new OutgoingMultipart("alternative");
        alternative.Parts.Add(new OutgoingText("Bonjour,\nvoici le résumé.\n"));
        alternative.Parts.Add(new OutgoingText("<p>Bonjour</p>", "html") { Encoding = TransferEncoding.Base64 });
        var body = new OutgoingMultipart();
        body.Parts.Add(alternative);
        body.Parts.Add(new OutgoingAttachment("application", "octet-stream", data, fileName) { ContentId = "<att@example.com>", Description = "Données" });
        body.Parts.Add(OutgoingEmbedded.Message(() => new MemoryStream(original)));
        message.Body = body;

        var bytes = await new MimeWriter().ToBytesAsync(message);
        var parsed = MimeParser.Parse(bytes);

        MimeStructureChecks.FindViolation(parsed, bytes).ShouldBeNull();
        parsed.Defects.ShouldBe(MimeDefects.None);
        HeaderLines(bytes, parsed).ShouldAllBe(line => line.Length <= 78);

        var envelope = parsed.Envelope;
        envelope.DecodedSubject.ShouldBe(subject);
        envelope.ParsedDate.ShouldBe(s_date);
        var from = envelope.From.ShouldHaveSingleItem().ShouldBeOfType<MailboxAddress>();
        (from.DisplayName, from.Address).ShouldBe(("Doe, Jöhn \"JJ\"", "john.doe@example.com"));
        envelope.To.Cast<MailboxAddress>().Select(m => (m.DisplayName, m.LocalPart, m.Domain)).ShouldBe([("Plain Name", "plain", "example.org"), (null, "quoted local", "example.org")]);
        var group = envelope.Cc.ShouldHaveSingleItem().ShouldBeOfType<GroupAddress>();
        group.Name.ShouldBe("Équipe");
        group.Members.Select(m => (m.DisplayName, m.Address)).ShouldBe([("A. Person", "a@x.example"), (null, "b@y.example")]);
        envelope.MessageId.ShouldBe("<rt-1@example.com>");
        envelope.InReplyTo.ShouldBe("<a@example.com>");
        parsed.Root.Headers.GetText("References").ShouldBe("<a@example.com> <b@example.com>");
        parsed.Root.Headers.GetText("Auto-Submitted").ShouldBe("auto-generated");
        parsed.Root.Headers.GetText("MIME-Version").ShouldBe("1.0");

        var root = parsed.Root;
        root.Children.Select(c => c.ContentType.MimeType).ShouldBe(["multipart/alternative", "application/octet-stream", "message/rfc822"]);
        var texts = root.Children[0].Children;
        (await Text(bytes, texts[0])).ShouldBe("Bonjour,\r\nvoici le résumé.\r\n");
        texts[0].TransferEncoding.ShouldBe(TransferEncoding.QuotedPrintable);
        (await Text(bytes, texts[1])).ShouldBe("<p>Bonjour</p>");
        texts[1].TransferEncoding.ShouldBe(TransferEncoding.Base64);

        var attachment = root.Children[1];
        (await PartContent.ReadBytesAsync(new MemoryStream(bytes), attachment)).ShouldBe(data);
        attachment.ContentDisposition!.FileName.ShouldBe(fileName);
        attachment.ContentType.Name.ShouldBe(fileName);
        attachment.ContentId.ShouldBe("<att@example.com>");
        attachment.Headers.GetValue("Content-Description").ShouldBe("Données");

        var embedded = root.Children[2];
        embedded.Kind.ShouldBe(MimePartKind.Message);
        embedded.TransferEncodingName.ShouldBe("8bit");
        MimeStructureChecks.Slice(bytes, embedded.BodyRange).ShouldBe(original);
        embedded.EmbeddedMessage!.Envelope.DecodedSubject.ShouldBe("Fwd: Contract draft");
    }

    [Fact]
    public async Task A_delivery_status_notification_has_the_rfc_3464_shape()
    {
        var originalHeader = Encoding.ASCII.GetBytes("From: sender@example.org\r\nTo: nobody@example.com\r\nSubject: Hello\r\n\r\n");
        var report = new OutgoingMultipart("report");
        report.Parameters.Add(new("report-type", "delivery-status"));
        report.Parts.Add(new OutgoingText("Your message could not be delivered.\n"));
        report.Parts.Add(new OutgoingText("Reporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; nobody@example.com\nAction: failed\nStatus: 5.1.1\n", "delivery-status", "message"));
        report.Parts.Add(OutgoingEmbedded.HeaderFields(() => new MemoryStream(originalHeader)));
        var message = new OutgoingMessage { Subject = "Undelivered Mail Returned to Sender", Date = s_date, Body = report };
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON", "mx.example.com"));
        message.To.Add(MailboxAddress.Create(null, "sender@example.org"));
        message.Headers.Add(new("Auto-Submitted", "auto-replied"));

        var bytes = await new MimeWriter().ToBytesAsync(message);
        var parsed = MimeParser.Parse(bytes);

        parsed.Root.ContentType.MimeType.ShouldBe("multipart/report");
        parsed.Root.ContentType.Parameters["report-type"].ShouldBe("delivery-status");
        parsed.Root.Children.Select(c => c.ContentType.MimeType).ShouldBe(["text/plain", "message/delivery-status", "text/rfc822-headers"]);
        parsed.Root.Children[1].ContentType.Charset.ShouldBeNull();
        parsed.Root.Children[1].TransferEncoding.ShouldBe(TransferEncoding.SevenBit);
        MimeStructureChecks.Text(bytes, parsed.Root.Children[1].BodyRange).ShouldContain("Status: 5.1.1\r\n");
        MimeStructureChecks.Slice(bytes, parsed.Root.Children[2].BodyRange).ShouldBe(originalHeader);
        parsed.Root.Children[2].TransferEncodingName.ShouldBe("7bit");
    }

    [Fact]
    public async Task Utf8_headers_are_written_raw_when_the_transport_allows()
    {
        var message = new OutgoingMessage { Subject = "Grüße — 你好", Body = new OutgoingText("x") };
        message.From.Add(new MailboxAddress("Jürgen Müller", "jürgen", "bücher.example"));
        message.Body.FileName = "Größe.txt";
        message.Body.Disposition = "attachment";

        var bytes = await new MimeWriter(new MimeWriterOptions { Utf8Headers = true }).ToBytesAsync(message);
        var text = Encoding.UTF8.GetString(bytes);

        text.ShouldContain("Subject: Grüße — 你好\r\n");
        text.ShouldContain("From: Jürgen Müller <jürgen@bücher.example>\r\n");
        text.ShouldContain("filename=\"Größe.txt\"");
        text.ShouldNotContain("=?");
        var parsed = MimeParser.Parse(bytes);
        parsed.Envelope.DecodedSubject.ShouldBe("Grüße — 你好");
        parsed.Root.ContentDisposition!.FileName.ShouldBe("Größe.txt");
    }

    [Fact]
    public async Task Non_ascii_without_smtputf8_is_encoded_and_domains_become_a_labels()
    {
        var message = new OutgoingMessage { Subject = "Grüße", Body = new OutgoingText("x") };
        message.From.Add(new MailboxAddress("Jürgen", "j", "bücher.example"));

        var bytes = await new MimeWriter().ToBytesAsync(message);

        bytes.ShouldAllBe(b => b < 0x80);
        var text = Encoding.ASCII.GetString(bytes);
        text.ShouldContain("<j@xn--bcher-kva.example>");
        MimeParser.Parse(bytes).Envelope.DecodedSubject.ShouldBe("Grüße");
    }

    [Fact]
    public void Long_headers_fold_at_whitespace_within_78_columns()
    {
        var writer = new MimeWriter();

        var subject = writer.FormatHeader("Subject", string.Join(' ', Enumerable.Repeat("word", 60)));
        var to = writer.FormatAddressHeader("To", Enumerable.Range(0, 20).Select(i => (Address)new MailboxAddress($"Person {i}", $"person{i}", "example.com")));

        foreach (var header in new[] { subject, to })
        {
            header.ShouldEndWith("\r\n");
            var lines = header[..^2].Split("\r\n");
            lines.Length.ShouldBeGreaterThan(1);
            lines.ShouldAllBe(l => l.Length <= 78);
            lines.Skip(1).ShouldAllBe(l => l.StartsWith(' '));
        }

        HeaderText.Unfold(subject["Subject:".Length..]).ShouldBe(string.Join(' ', Enumerable.Repeat("word", 60)));
        AddressParser.ParseList(HeaderText.Unfold(to["To:".Length..])).Count.ShouldBe(20);
    }

    [Theory]
    [InlineData("Doe, John", "john", "example.com", "\"Doe, John\" <john@example.com>")]
    [InlineData("John Doe", "john", "example.com", "John Doe <john@example.com>")]
    [InlineData(null, "john", "example.com", "john@example.com")]
    [InlineData(null, "john doe", "example.com", "\"john doe\"@example.com")]
    [InlineData("a \"b\" \\c", "x", "example.com", "\"a \\\"b\\\" \\\\c\" <x@example.com>")]
    [InlineData("Jürgen", "j", "example.com", "=?utf-8?Q?J=C3=BCrgen?= <j@example.com>")]
    [InlineData("=?utf-8?q?fake?=", "j", "example.com", "=?utf-8?B?PT91dGYtOD9xP2Zha2U/PQ==?= <j@example.com>")]
    public void Addresses_are_quoted_only_where_needed(string? name, string local, string domain, string expected)
    {
        new MailboxAddress(name, local, domain).ToString().ShouldBe(expected);
    }

    [Fact]
    public void Groups_format_with_their_members()
    {
        new GroupAddress("Team", [new MailboxAddress(null, "a", "x.example"), new MailboxAddress("B", "b", "y.example")]).ToString()
            .ShouldBe("Team: a@x.example, B <b@y.example>;");
        new GroupAddress("undisclosed-recipients", []).ToString().ShouldBe("undisclosed-recipients:;");
    }

    [Theory]
    [InlineData("plain ascii text\n", "7bit")]
    [InlineData("un peu de français\n", "quoted-printable")]
    [InlineData("日本語のテキストです。日本語のテキストです。\n", "base64")]
    public async Task Text_parts_pick_a_fitting_transfer_encoding(string text, string expected)
    {
        var bytes = await WriteEntity(new OutgoingText(text));
        var part = MimeParser.Parse(bytes).Root;

        part.TransferEncodingName.ShouldBe(expected);
        (await Text(bytes, part)).ShouldBe(text.Replace("\n", "\r\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_line_longer_than_smtp_allows_is_quoted_printable_with_short_lines()
    {
        var text = new string('a', 3_000) + "\nend";

        var bytes = await WriteEntity(new OutgoingText(text));
        var part = MimeParser.Parse(bytes).Root;

        part.TransferEncoding.ShouldBe(TransferEncoding.QuotedPrintable);
        part.LimitsHit.ShouldBe(MimeLimits.None);
        (await Text(bytes, part)).ShouldBe(new string('a', 3_000) + "\r\nend");
    }

    [Theory]
    [InlineData(new byte[] { 65, 13, 10 }, true, "7bit")]
    [InlineData(new byte[] { 65, 0xC3, 0xA9, 13, 10 }, true, "8bit")]
    [InlineData(new byte[] { 65, 0, 66 }, true, "binary")]
    [InlineData(new byte[] { 65, 13, 10 }, false, "8bit")]
    public async Task Embedded_content_is_labelled_by_what_its_bytes_need(byte[] content, bool seekable, string expected)
    {
        var bytes = await WriteEntity(OutgoingEmbedded.Message(() => seekable ? new MemoryStream(content) : new ChunkedStream(content, 8, 0)));

        var part = MimeParser.Parse(bytes).Root;

        part.TransferEncodingName.ShouldBe(expected);
        MimeStructureChecks.Slice(bytes, part.BodyRange).ShouldBe(content);
    }

    [Fact]
    public async Task Boundaries_are_generated_unless_a_factory_is_given()
    {
        var multipart = new OutgoingMultipart();
        multipart.Parts.Add(new OutgoingText("a"));
        multipart.Parts.Add(new OutgoingText("b"));

        var first = await WriteEntity(multipart);
        var second = await WriteEntity(multipart);
        var fixedOutput = await WriteEntity(multipart, new MimeWriterOptions { BoundaryFactory = () => "fixed" });

        MimeParser.Parse(first).Root.ContentType.Boundary.ShouldNotBe(MimeParser.Parse(second).Root.ContentType.Boundary);
        MimeParser.Parse(first).Root.ContentType.Boundary!.ShouldStartWith("=_");
        Encoding.ASCII.GetString(fixedOutput).ShouldContain("\r\n--fixed--\r\n");
        MimeParser.Parse(fixedOutput).Root.Children.Count.ShouldBe(2);
    }

    [Fact]
    public void Any_subject_and_display_name_round_trip()
    {
        var chars = "abcXYZ019 .,;:@<>()[]\"\\'=?_-!*éüßÆ日本語😀\t".EnumerateRunes().Select(r => r.ToString()).ToArray();
        var text = Gen.Choose(0, 120).SelectMany(n => Gen.ArrayOf(Gen.Elements(chars), n))
            .Select(p => string.Concat(p).Trim(' ', '\t'));
        var cases = text.Zip(text.Where(t => t.Length > 0 && !t.Contains('\t', StringComparison.Ordinal)));

        var writer = new MimeWriter();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var message = new OutgoingMessage { Subject = c.Item1, Body = new OutgoingText("x") };
            message.From.Add(new MailboxAddress(c.Item2, "someone", "example.com"));
            var bytes = writer.ToBytesAsync(message).GetAwaiter().GetResult();
            var envelope = MimeParser.Parse(bytes).Envelope;
            var from = (MailboxAddress)envelope.From.Single();
            return envelope.DecodedSubject == c.Item1 && from.DisplayName == c.Item2 && from.Address == "someone@example.com";
        }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Long_filenames_are_split_into_rfc_2231_sections_and_read_back(bool utf8)
    {
        var ascii = string.Concat(Enumerable.Repeat("long-ascii-name ", 10)) + ".txt";
        // "abc" puts an emoji's high surrogate at UTF-16 index 59, where a 60-unit section would end.
        var unicode = "abc" + string.Concat(Enumerable.Repeat("😀é日", 40)) + ".txt";
        foreach (var name in new[] { ascii, unicode })
        {
            var bytes = await WriteEntity(new OutgoingAttachment("text", "plain", [1, 2, 3], name), new MimeWriterOptions { Utf8Headers = utf8 });
            var part = MimeParser.Parse(bytes).Root;

            part.ContentDisposition!.FileName.ShouldBe(name);
            part.ContentType.Name.ShouldBe(name);
            Encoding.UTF8.GetString(bytes).ShouldContain("filename*1");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Line_breaks_in_caller_text_cannot_forge_header_fields(bool utf8)
    {
        const string evil = "x\r\nBcc: victim@example.com\r\n\r\nforged body";
        var text = new OutgoingText("body") { Disposition = "attachment", FileName = evil, Description = evil, ContentId = "<id@x>\r\nBcc: victim@example.com" };
        text.Parameters.Add(new("format", evil));
        var message = new OutgoingMessage { Subject = evil, MessageId = "<m@x>\r\nBcc: victim@example.com", Body = text };
        message.From.Add(new MailboxAddress(evil, "a\r\nBcc: victim", "example.com\r\nBcc: victim@example.com"));
        message.Headers.Add(new("X-Note", evil));

        var bytes = await new MimeWriter(new MimeWriterOptions { Utf8Headers = utf8 }).ToBytesAsync(message);
        var parsed = MimeParser.Parse(bytes);

        parsed.Root.Headers.Contains("Bcc").ShouldBeFalse();
        parsed.Envelope.Bcc.ShouldBeEmpty();
        MimeStructureChecks.Text(bytes, parsed.Root.BodyRange).ShouldBe("body");
        parsed.Root.ContentDisposition!.FileName.ShouldBe(evil);
        Should.Throw<ArgumentException>(() => new MimeWriter().FormatHeader("X-Evil: y\r\nBcc", "z"));
        Should.Throw<ArgumentException>(() => new MimeWriter().FormatParameterHeader("Content-Type", "text/plain\r\nBcc: v", []));
        Should.Throw<ArgumentException>(() => new OutgoingText("x", "plain\r\nBcc: v"));
    }

    private static IEnumerable<string> HeaderLines(byte[] bytes, MessageStructure parsed) =>
        parsed.Parts.SelectMany(p => MimeStructureChecks.Text(bytes, p.HeaderRange).Split("\r\n"));

    private static async Task<string> Text(byte[] bytes, MimePart part) =>
        await PartContent.ReadTextAsync(new MemoryStream(bytes), part);

    private static async Task<byte[]> WriteEntity(OutgoingEntity entity, MimeWriterOptions? options = null)
    {
        using var output = new MemoryStream();
        await new MimeWriter(options).WriteEntityAsync(entity, output);
        return output.ToArray();
    }
}
