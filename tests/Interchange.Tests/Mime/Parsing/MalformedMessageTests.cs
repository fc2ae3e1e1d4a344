using System.Text;
using Interchange.Mime.Addresses;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Parsing;

/// <summary>Broken input: each case parses without throwing, to a sound structure, read the documented way.</summary>
public sealed class MalformedMessageTests
{
    [Fact]
    public void Bare_lf_line_ends_parse_like_crlf()
    {
        var (input, message) = Parse("bare-lf.eml");
        var root = message.Root;

        root.Children.Count.ShouldBe(2);
        MimeStructureChecks.Text(input, root.Children[0].BodyRange).ShouldBe("first part\nsecond line");
        root.Children[0].BodyLines.ShouldBe(1);
        MimeStructureChecks.Text(input, root.Children[1].BodyRange).ShouldBe("second part");
        MimeStructureChecks.Text(input, root.Epilogue!.Value).ShouldBe("epilogue\n");
        MimeStructureChecks.Text(input, root.Preamble!.Value).ShouldBe("preamble");
        message.Envelope.DecodedSubject.ShouldBe("Line ends");
        root.Defects.HasFlag(MimeDefects.BareLineFeed).ShouldBeTrue();
    }

    [Fact]
    public void Bare_cr_line_ends_parse_like_crlf()
    {
        var (input, message) = Parse("bare-cr.eml");
        var root = message.Root;

        root.ContentType.Boundary.ShouldBe("le");
        root.Children.Count.ShouldBe(2);
        MimeStructureChecks.Text(input, root.Children[0].BodyRange).ShouldBe("first part\rsecond line");
        root.Children[0].BodyLines.ShouldBe(1);
        MimeStructureChecks.Text(input, root.Epilogue!.Value).ShouldBe("epilogue\r");
        root.Defects.HasFlag(MimeDefects.BareCarriageReturn).ShouldBeTrue();
    }

    [Fact]
    public void A_stray_cr_in_a_message_with_lf_line_ends_is_data()
    {
        // The first line has shown CRLF line ends, so later lone CRs are not line breaks.
        var input = Encoding.ASCII.GetBytes("From: a@b\r\nSubject: a\rb\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nbody\r--x\r\nmore\r\n--x--\r\n");

        var message = MimeParser.Parse(input);

        message.Root.Headers.Select(h => h.Name).ShouldBe(["From", "Subject", "Content-Type"]);
        Encoding.ASCII.GetString(message.Root.Headers["Subject"]!.RawValue.Span).ShouldBe(" a\rb\r\n");
        var part = message.Root.Children.ShouldHaveSingleItem();
        MimeStructureChecks.Text(input, part.BodyRange).ShouldBe("body\r--x\r\nmore");
        part.BodyLines.ShouldBe(1);
        part.Defects.HasFlag(MimeDefects.BareCarriageReturn).ShouldBeTrue();
        MimeStructureChecks.FindViolation(message, input).ShouldBeNull();
    }

    [Fact]
    public void Repeated_cr_before_lf_is_one_line_break()
    {
        var input = Encoding.ASCII.GetBytes("Subject: doubled\r\r\nFrom: a@b\r\r\n\r\r\nline one\r\r\nline two");

        var message = MimeParser.Parse(input);

        message.Root.Headers.Select(h => h.Name).ShouldBe(["Subject", "From"]);
        message.Root.Headers["Subject"]!.Text.ShouldBe("doubled");
        MimeStructureChecks.Text(input, message.Root.BodyRange).ShouldBe("line one\r\r\nline two");
        message.Root.BodyLines.ShouldBe(1);
        message.Root.Defects.HasFlag(MimeDefects.RepeatedCarriageReturn).ShouldBeTrue();
    }

    [Fact]
    public void A_missing_final_boundary_ends_the_last_part_at_the_end_of_input()
    {
        var (input, message) = Parse("missing-final-boundary.eml");
        var root = message.Root;

        root.Children.Count.ShouldBe(2);
        MimeStructureChecks.Text(input, root.Children[0].BodyRange).ShouldBe("one");
        MimeStructureChecks.Text(input, root.Children[1].BodyRange).ShouldBe("two, and then the message just ends\r\n");
        root.Children[1].BodyEnd.ShouldBe(input.Length);
        root.Epilogue.ShouldBeNull();
        root.Defects.HasFlag(MimeDefects.MissingCloseDelimiter).ShouldBeTrue();
    }

    [Fact]
    public void An_outer_boundary_ends_an_inner_multipart_that_was_never_closed()
    {
        var (input, message) = Parse("missing-inner-close.eml");
        var root = message.Root;

        root.Children.Select(c => c.ContentType.MimeType).ShouldBe(["multipart/alternative", "text/plain"]);
        var inner = root.Children[0];
        inner.Children.Count.ShouldBe(2);
        MimeStructureChecks.Text(input, inner.Children[0].BodyRange).ShouldBe("inner one");
        MimeStructureChecks.Text(input, inner.Children[1].BodyRange).ShouldBe("<p>inner two</p>");
        inner.BodyEnd.ShouldBe(inner.Children[1].BodyEnd);
        inner.Defects.HasFlag(MimeDefects.MissingCloseDelimiter).ShouldBeTrue();
        MimeStructureChecks.Text(input, root.Children[1].BodyRange).ShouldBe("outer two");
        root.Defects.HasFlag(MimeDefects.MissingCloseDelimiter).ShouldBeFalse();
    }

    [Fact]
    public void A_boundary_that_never_appears_leaves_one_preamble_and_no_children()
    {
        var (input, message) = Parse("boundary-never-appears.eml");
        var root = message.Root;

        root.Kind.ShouldBe(MimePartKind.Multipart);
        root.Children.ShouldBeEmpty();
        root.Preamble.ShouldBe(root.BodyRange);
        MimeStructureChecks.Text(input, root.BodyRange).ShouldStartWith("--not-the-boundary\r\n");
        root.Defects.HasFlag(MimeDefects.NoDelimiter).ShouldBeTrue();
    }

    [Fact]
    public void Latin1_bytes_in_headers_decode_as_latin1()
    {
        var (_, message) = Parse("latin1-headers.eml");

        message.Envelope.DecodedSubject.ShouldBe("Café résumé © 2025");
        message.Envelope.From[0].DisplayName.ShouldBe("José Martínez");
        message.Root.Headers.GetText("X-Comment").ShouldBe("8-bit Latin-1 bytes in headers, no MIME encoding");
        message.Root.Defects.HasFlag(MimeDefects.EightBitHeader).ShouldBeTrue();
    }

    [Fact]
    public void Unterminated_and_malformed_encoded_words_stay_literal()
    {
        var (_, message) = Parse("unterminated-encoded-words.eml");

        message.Envelope.DecodedSubject.ShouldBe("start ok then =?utf-8?q?never_closed and =?utf-8?b?SGVsbG8");
        message.Root.Headers.GetValue("Comments").ShouldBe("=?utf-8?x?bad_encoding?= and =??q?empty_charset?=");
        var from = message.Envelope.From[0].ShouldBeOfType<MailboxAddress>();
        from.DisplayName.ShouldBe("=?utf-8?q?Broken_Name");
        from.Address.ShouldBe("broken@example.com");
    }

    [Fact]
    public async Task Unknown_charsets_fall_back_to_utf8_or_latin1()
    {
        var (input, message) = Parse("unknown-charset.eml");

        message.Envelope.DecodedSubject.ShouldBe("café and café");
        using var stream = new MemoryStream(input);
        (await Interchange.Mime.Encodings.PartContent.ReadTextAsync(stream, message.Root)).ShouldBe("Body.\r\n");
    }

    [Fact]
    public void A_header_line_without_colon_is_skipped_and_the_fields_after_it_are_read()
    {
        var (input, message) = Parse("header-without-colon.eml");
        var root = message.Root;

        root.Headers.Select(h => h.Name).ShouldBe(["From", "Subject", "To"]);
        MimeStructureChecks.Text(input, root.BodyRange).ShouldBe("Body after.\r\n");
        MimeStructureChecks.Text(input, root.HeaderRange).ShouldBe("From: a@example.com\r\nSubject: Header without colon\r\nThis line has no colon and ends the header\r\nTo: b@example.com\r\n\r\n");
        root.Defects.HasFlag(MimeDefects.InvalidHeaderLine).ShouldBeTrue();
    }

    [Fact]
    public void Nul_bytes_are_data_in_headers_and_body()
    {
        var (input, message) = Parse("nul-bytes.eml");
        var root = message.Root;

        root.Headers.GetText("Subject").ShouldBe("nul\0inside");
        root.Headers.GetText("X-Nul").ShouldBe("\0\0");
        MimeStructureChecks.Text(input, root.BodyRange).ShouldBe("body \0 with nul\r\nsecond\0line\r\n");
        root.BodyLines.ShouldBe(2);
        root.Defects.HasFlag(MimeDefects.NulBytes).ShouldBeTrue();
    }

    [Fact]
    public void Only_headers_with_no_blank_line_give_an_empty_body_at_the_end()
    {
        var (input, message) = Parse("only-headers.eml");
        var root = message.Root;

        root.Headers.Count.ShouldBe(3);
        root.BodyStart.ShouldBe(input.Length);
        root.BodyOctets.ShouldBe(0);
        root.Defects.HasFlag(MimeDefects.UnterminatedHeader).ShouldBeTrue();
        message.Envelope.DecodedSubject.ShouldBe("Only headers, no blank line, no body");
    }

    [Fact]
    public void A_header_running_straight_into_the_first_boundary_still_finds_the_parts()
    {
        var (input, message) = Parse("body-without-blank-line.eml");
        var root = message.Root;

        root.Kind.ShouldBe(MimePartKind.Multipart);
        root.Headers.Count.ShouldBe(4);
        root.Children.Count.ShouldBe(1);
        MimeStructureChecks.Text(input, root.Children[0].BodyRange).ShouldBe("part one");
        root.Preamble!.Value.Length.ShouldBe(0);
        root.Defects.HasFlag(MimeDefects.InvalidHeaderLine).ShouldBeTrue();
    }

    [Fact]
    public void Text_with_no_header_at_all_is_an_unterminated_header_of_skipped_lines()
    {
        // RFC 5322 §2.1: only the blank line ends a header; MimeKit reads it the same way.
        var input = Encoding.ASCII.GetBytes("Hello, this is not a header\r\nand neither is this\r\n");

        var message = MimeParser.Parse(input);

        message.Root.Headers.Count.ShouldBe(0);
        message.Root.BodyStart.ShouldBe(input.Length);
        message.Root.BodyOctets.ShouldBe(0);
        message.Root.ContentType.IsDefault.ShouldBeTrue();
        message.Root.Defects.HasFlag(MimeDefects.InvalidHeaderLine).ShouldBeTrue();
        message.Root.Defects.HasFlag(MimeDefects.UnterminatedHeader).ShouldBeTrue();
    }

    [Fact]
    public void Empty_input_is_an_empty_message()
    {
        var message = MimeParser.Parse(ReadOnlySpan<byte>.Empty);

        message.Length.ShouldBe(0);
        message.PartCount.ShouldBe(1);
        message.Root.Range.ShouldBe(new ByteRange(0, 0));
        message.Root.Headers.Count.ShouldBe(0);
        message.Root.ContentType.MimeType.ShouldBe("text/plain");
        message.Root.ContentType.Charset.ShouldBe("us-ascii");
        message.ResolveSection("TEXT")!.Range.ShouldBe(new ByteRange(0, 0));
        message.ResolveSection("1")!.Range.ShouldBe(new ByteRange(0, 0));
        message.Envelope.From.ShouldBeEmpty();
    }

    [Fact]
    public void A_part_whose_header_is_cut_off_by_a_boundary_ends_there()
    {
        var input = Encoding.ASCII.GetBytes("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n--b\r\n\r\nsecond\r\n--b--\r\n");

        var message = MimeParser.Parse(input);

        var first = message.Root.Children[0];
        first.ContentType.MimeType.ShouldBe("text/html");
        first.BodyOctets.ShouldBe(0);
        first.Defects.HasFlag(MimeDefects.UnterminatedHeader).ShouldBeTrue();
        MimeStructureChecks.Text(input, message.Root.Children[1].BodyRange).ShouldBe("second");
        MimeStructureChecks.FindViolation(message, input).ShouldBeNull();
    }

    [Fact]
    public void Multipart_without_boundary_is_one_opaque_part()
    {
        var input = Encoding.ASCII.GetBytes("Content-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x--\r\n");

        var message = MimeParser.Parse(input);

        message.Root.Kind.ShouldBe(MimePartKind.Leaf);
        message.Root.Children.ShouldBeEmpty();
        message.Root.Defects.HasFlag(MimeDefects.MissingBoundary).ShouldBeTrue();
    }

    [Fact]
    public void Nested_multiparts_reusing_a_boundary_bind_it_to_the_innermost_open_one()
    {
        var input = Encoding.ASCII.GetBytes(
            "Content-Type: multipart/mixed; boundary=same\r\n\r\n--same\r\nContent-Type: multipart/alternative; boundary=same\r\n\r\n"
            + "--same\r\n\r\ninner\r\n--same--\r\n--same\r\n\r\nlast\r\n--same--\r\n");

        var message = MimeParser.Parse(input);

        // While the inner multipart is open its delimiters are its own; once closed, the
        // same string delimits the outer one again.
        var outer = message.Root;
        outer.Children.Count.ShouldBe(2);
        var inner = outer.Children[0];
        inner.Children.Count.ShouldBe(1);
        MimeStructureChecks.Text(input, inner.Children[0].BodyRange).ShouldBe("inner");
        MimeStructureChecks.Text(input, outer.Children[1].BodyRange).ShouldBe("last");
        outer.Defects.ShouldBe(MimeDefects.None);
        MimeStructureChecks.FindViolation(message, input).ShouldBeNull();
    }

    [Fact]
    public void The_longest_matching_boundary_wins_when_one_is_a_prefix_of_another()
    {
        var input = Encoding.ASCII.GetBytes(
            "Content-Type: multipart/mixed; boundary=abc\r\n\r\n--abc\r\nContent-Type: multipart/alternative; boundary=abcdef\r\n\r\n"
            + "--abcdef\r\n\r\none\r\n--abcdef\r\n\r\ntwo\r\n--abcdef--\r\n--abc\r\n\r\nthree\r\n--abc--\r\n");

        var message = MimeParser.Parse(input);

        message.Root.Children.Count.ShouldBe(2);
        message.Root.Children[0].Children.Count.ShouldBe(2);
        MimeStructureChecks.Text(input, message.Root.Children[0].Children[1].BodyRange).ShouldBe("two");
        MimeStructureChecks.Text(input, message.Root.Children[1].BodyRange).ShouldBe("three");
    }

    [Fact]
    public void Boundary_lines_may_carry_trailing_whitespace_or_junk()
    {
        var input = Encoding.ASCII.GetBytes("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b  \t\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b-- trailing\r\nepilogue");

        var message = MimeParser.Parse(input);

        message.Root.Children.Count.ShouldBe(2);
        MimeStructureChecks.Text(input, message.Root.Children[1].BodyRange).ShouldBe("two");
        MimeStructureChecks.Text(input, message.Root.Epilogue!.Value).ShouldBe("epilogue");
    }

    [Fact]
    public void A_boundary_is_matched_at_the_start_of_a_line_as_RFC_2046_says()
    {
        // RFC 2046 §5.1.1: "an exact match of the entire candidate line is not required".
        var input = Encoding.ASCII.GetBytes("Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n\r\none\r\n--b10 looks longer\r\n\r\ntwo\r\n--b1--\r\n");

        var message = MimeParser.Parse(input);

        message.Root.Children.Count.ShouldBe(2);
        MimeStructureChecks.Text(input, message.Root.Children[1].BodyRange).ShouldBe("two");
    }

    [Theory]
    [InlineData("Content-Transfer-Encoding: BASE64\r\n", "base64")]
    [InlineData("Content-Transfer-Encoding: \"base64\" (quoted)\r\n", "base64")]
    [InlineData("Content-Transfer-Encoding: \r\n", "7bit")]
    [InlineData("", "7bit")]
    [InlineData("Content-Transfer-Encoding: x-uuencode\r\n", "x-uuencode")]
    public void Transfer_encoding_names_are_normalised(string header, string expected)
    {
        var message = MimeParser.Parse(Encoding.ASCII.GetBytes(header + "\r\nSGk=\r\n"));

        message.Root.TransferEncodingName.ShouldBe(expected);
    }

    private static (byte[] Input, MessageStructure Message) Parse(string name)
    {
        var input = MimeCorpus.Read(name);
        var message = MimeParser.Parse(input);
        MimeStructureChecks.FindViolation(message, input).ShouldBeNull();
        return (input, message);
    }
}
