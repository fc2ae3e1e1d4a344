using System.Text;
using Interchange.Mime.Imap;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Imap;

/// <summary>Section numbering per RFC 3501 §6.4.5, on the structure of the RFC's own example.</summary>
public sealed class ImapSectionTests
{
    private static readonly byte[] s_input = MimeCorpus.Read("rfc3501-example.eml");
    private static readonly MessageStructure s_message = MimeParser.Parse(s_input);

    public static TheoryData<string, string, string> Rfc3501Sections => new()
    {
        // section, content type of the part it names, the exact bytes it resolves to
        { "HEADER", "multipart/mixed", "From: Example <example@example.com>\r\nSubject: RFC 3501 section 6.4.5 example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" },
        { "1", "text/plain", "PART 1 TEXT/PLAIN" },
        { "1.MIME", "text/plain", "Content-Type: text/plain\r\n\r\n" },
        { "2", "application/octet-stream", "UEFSVCAyIEFQUExJQ0FUSU9OL09DVEVULVNUUkVBTQ==" },
        { "3", "message/rfc822", "Subject: part 3 message\r\nContent-Type: multipart/mixed; boundary=\"p3\"\r\n\r\n--p3\r\nContent-Type: text/plain\r\n\r\nPART 3.1 TEXT/PLAIN\r\n--p3\r\nContent-Type: application/octet-stream\r\n\r\nPART 3.2 APPLICATION/OCTET-STREAM\r\n--p3--" },
        { "3.HEADER", "multipart/mixed", "Subject: part 3 message\r\nContent-Type: multipart/mixed; boundary=\"p3\"\r\n\r\n" },
        { "3.TEXT", "multipart/mixed", "--p3\r\nContent-Type: text/plain\r\n\r\nPART 3.1 TEXT/PLAIN\r\n--p3\r\nContent-Type: application/octet-stream\r\n\r\nPART 3.2 APPLICATION/OCTET-STREAM\r\n--p3--" },
        { "3.1", "text/plain", "PART 3.1 TEXT/PLAIN" },
        { "3.2", "application/octet-stream", "PART 3.2 APPLICATION/OCTET-STREAM" },
        { "4.1", "image/gif", "PART 4.1 IMAGE/GIF" },
        { "4.1.MIME", "image/gif", "Content-Type: image/gif\r\n\r\n" },
        { "4.2.HEADER", "multipart/mixed", "Subject: part 4.2 message\r\nContent-Type: multipart/mixed; boundary=\"p42\"\r\n\r\n" },
        { "4.2.1", "text/plain", "PART 4.2.1 TEXT/PLAIN" },
        { "4.2.2.1", "text/plain", "PART 4.2.2.1 TEXT/PLAIN" },
        { "4.2.2.2", "text/richtext", "PART 4.2.2.2 TEXT/RICHTEXT" },
    };

    [Theory]
    [MemberData(nameof(Rfc3501Sections))]
    public void Every_section_of_the_rfc3501_example_resolves_to_its_exact_bytes(string section, string contentType, string expected)
    {
        var range = s_message.ResolveSection(section);

        range.ShouldNotBeNull();
        Encoding.ASCII.GetString(MimeStructureChecks.Slice(s_input, range.Range)).ShouldBe(expected);
        range.Part.ContentType.MimeType.ShouldBe(contentType);
    }

    [Fact]
    public void Multipart_sections_are_the_raw_multipart_bodies()
    {
        var four = Text("4");
        four.ShouldStartWith("--p4\r\nContent-Type: image/gif\r\n");
        four.ShouldEndWith("--p42--\r\n--p4--");

        var text42 = Text("4.2.TEXT");
        text42.ShouldStartWith("--p42\r\nContent-Type: text/plain\r\n\r\nPART 4.2.1 TEXT/PLAIN\r\n--p42\r\n");
        text42.ShouldEndWith("--p422--\r\n--p42--");
        Text("4.2").ShouldBe(Text("4.2.HEADER") + text42);
        Text("4.2.2").ShouldStartWith("--p422\r\n");
        Text("4.2.2").ShouldEndWith("--p422--");

        Text("TEXT").ShouldStartWith("--outer\r\n");
        Text("TEXT").ShouldEndWith("--outer--\r\n");
        Text(string.Empty).ShouldBe(Encoding.ASCII.GetString(s_input));
        (Text("HEADER") + Text("TEXT")).ShouldBe(Encoding.ASCII.GetString(s_input));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("5")]
    [InlineData("1.1")]
    [InlineData("1.HEADER")]
    [InlineData("2.TEXT")]
    [InlineData("4.3")]
    [InlineData("4.HEADER")]
    [InlineData("3.3")]
    [InlineData("4.2.2.3")]
    [InlineData("1.")]
    [InlineData(".1")]
    [InlineData("1..2")]
    [InlineData("MIME")]
    [InlineData("BODY")]
    [InlineData("HEADER.FIELDS From")]
    [InlineData("99999999999999999999")]
    public void Sections_the_message_does_not_have_resolve_to_null(string section)
    {
        s_message.ResolveSection(section).ShouldBeNull();
    }

    [Fact]
    public void Section_names_are_case_insensitive()
    {
        Text("3.header").ShouldBe(Text("3.HEADER"));
        Text("4.1.mime").ShouldBe(Text("4.1.MIME"));
    }

    [Fact]
    public void Header_fields_resolve_to_the_header_with_the_names_to_filter()
    {
        var range = s_message.ResolveSection("HEADER.FIELDS (From Subject)")!;

        range.Kind.ShouldBe(SectionKind.HeaderFields);
        range.Range.ShouldBe(s_message.Root.HeaderRange);
        range.FieldNames.ShouldBe(["From", "Subject"]);
        range.Part.Headers.Select(range.FieldNames).Select(f => f.Name).ShouldBe(["From", "Subject"]);

        var not = s_message.ResolveSection("3.HEADER.FIELDS.NOT (Subject)")!;
        not.Kind.ShouldBe(SectionKind.HeaderFieldsNot);
        not.Part.Headers.Select(not.FieldNames, exclude: true).Select(f => f.Name).ShouldBe(["Content-Type"]);
    }

    [Fact]
    public void A_message_that_is_not_multipart_has_only_part_1_its_body()
    {
        var input = Encoding.ASCII.GetBytes("Subject: simple\r\nContent-Type: text/plain\r\n\r\nJust text.\r\n");
        var message = MimeParser.Parse(input);

        Encoding.ASCII.GetString(MimeStructureChecks.Slice(input, message.ResolveSection("1")!.Range)).ShouldBe("Just text.\r\n");
        message.ResolveSection("1")!.Range.ShouldBe(message.ResolveSection("TEXT")!.Range);
        message.ResolveSection("1.MIME")!.Range.ShouldBe(message.Root.HeaderRange);
        message.ResolveSection("2").ShouldBeNull();
        message.ResolveSection("1.1").ShouldBeNull();
    }

    [Fact]
    public void A_message_whose_own_type_is_message_rfc822_numbers_the_inner_message_under_1()
    {
        var input = Encoding.ASCII.GetBytes("Subject: outer\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nfirst\r\n--x\r\n\r\nsecond\r\n--x--\r\n");
        var message = MimeParser.Parse(input);

        Encoding.ASCII.GetString(MimeStructureChecks.Slice(input, message.ResolveSection("1.HEADER")!.Range))
            .ShouldBe("Subject: inner\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n");
        Encoding.ASCII.GetString(MimeStructureChecks.Slice(input, message.ResolveSection("1.2")!.Range)).ShouldBe("second");
        message.ResolveSection("1")!.Range.ShouldBe(message.Root.BodyRange);
    }

    [Fact]
    public void Find_part_returns_the_node_for_a_part_number()
    {
        ImapSection.FindPart(s_message.Root, "4.2.2.2")!.ContentType.MimeType.ShouldBe("text/richtext");
        ImapSection.FindPart(s_message.Root, "4.2.HEADER").ShouldBeNull();
        ImapSection.FindPart(s_message.Root, string.Empty).ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(MimeCorpus.All), MemberType = typeof(MimeCorpus))]
    public void Every_part_of_every_corpus_message_is_reachable_by_its_section_number(string name)
    {
        var input = MimeCorpus.Read(name);
        var message = MimeParser.Parse(input);
        var paths = PartNumbers(message.Root, string.Empty).ToList();

        // Only a multipart whose boundary never appeared has no part 1.
        (paths.Count == 0).ShouldBe(message.Root.Kind == MimePartKind.Multipart && message.Root.Children.Count == 0);

        foreach (var (path, part) in paths)
        {
            var content = message.ResolveSection(path).ShouldNotBeNull(path);
            content.Part.ShouldBeSameAs(part, path);
            MimeStructureChecks.Slice(input, content.Range).ShouldBe(input[(int)part.BodyStart..(int)part.BodyEnd], path);
            message.ResolveSection(path + ".MIME")!.Range.ShouldBe(part.HeaderRange, path);
            if (part.EmbeddedMessage is { } embedded)
            {
                message.ResolveSection(path + ".HEADER")!.Range.ShouldBe(embedded.HeaderRange, path);
                message.ResolveSection(path + ".TEXT")!.Range.ShouldBe(embedded.BodyRange, path);
            }
            else
            {
                message.ResolveSection(path + ".HEADER").ShouldBeNull(path);
            }
        }
    }

    // RFC 3501 numbering, written out independently of ImapSection: a message's parts are its
    // multipart children, or itself as part 1; a message/rfc822 part continues with the parts
    // of the message inside it.
    private static IEnumerable<(string Path, MimePart Part)> PartNumbers(MimePart message, string prefix)
    {
        var parts = message.Kind == MimePartKind.Multipart ? message.Children : [message];
        for (var i = 0; i < parts.Count; i++)
        {
            foreach (var entry in Below(parts[i], $"{prefix}{i + 1}"))
            {
                yield return entry;
            }
        }
    }

    private static IEnumerable<(string Path, MimePart Part)> Below(MimePart part, string path)
    {
        yield return (path, part);
        if (part.Kind == MimePartKind.Multipart)
        {
            for (var i = 0; i < part.Children.Count; i++)
            {
                foreach (var entry in Below(part.Children[i], $"{path}.{i + 1}"))
                {
                    yield return entry;
                }
            }
        }
        else if (part.EmbeddedMessage is { } embedded)
        {
            foreach (var entry in PartNumbers(embedded, path + "."))
            {
                yield return entry;
            }
        }
    }

    private static string Text(string section) =>
        Encoding.ASCII.GetString(MimeStructureChecks.Slice(s_input, s_message.ResolveSection(section)!.Range));
}
