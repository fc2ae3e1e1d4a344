using System.Text;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Parsing;

/// <summary>Hostile sizes: each limit is enforced by keeping what fits and flagging the part, never by throwing.</summary>
public sealed class ParserLimitsTests
{
    [Fact]
    public void A_200_kb_header_line_is_kept_truncated_and_the_rest_parses()
    {
        var subject = "Subject: " + new string('a', 200 * 1024) + "\r\n";
        var input = Encoding.ASCII.GetBytes(subject + "From: x@example.com\r\n\r\nbody");

        var message = MimeParser.Parse(input);

        var field = message.Root.Headers["Subject"]!;
        field.IsTruncated.ShouldBeTrue();
        field.Length.ShouldBe(subject.Length);
        field.Raw.Length.ShouldBe(MimeParserOptions.Default.MaxHeaderFieldBytes);
        message.Root.LimitsHit.HasFlag(MimeLimits.HeaderFieldBytes).ShouldBeTrue();
        message.Root.LimitsHit.HasFlag(MimeLimits.LineLength).ShouldBeTrue();
        message.Root.Headers.GetText("From").ShouldBe("x@example.com");
        MimeStructureChecks.Text(input, message.Root.BodyRange).ShouldBe("body");
        MimeStructureChecks.FindViolation(message, input).ShouldBeNull();
    }

    [Fact]
    public void Ten_thousand_header_fields_are_counted_and_the_first_thousand_kept()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            text.Append("X-Filler-").Append(i).Append(": value\r\n");
        }

        text.Append("Subject: after the flood\r\n\r\nbody\r\n");
        var input = Encoding.ASCII.GetBytes(text.ToString());

        var message = MimeParser.Parse(input);

        message.Root.Headers.Count.ShouldBe(1_000);
        message.Root.Headers.TotalCount.ShouldBe(10_001);
        message.Root.Headers[999].Name.ShouldBe("X-Filler-999");
        message.Root.Headers["Subject"].ShouldBeNull();
        message.Root.LimitsHit.ShouldBe(MimeLimits.HeaderFields);
        MimeStructureChecks.Text(input, message.Root.BodyRange).ShouldBe("body\r\n");
    }

    [Fact]
    public void Header_bytes_past_the_per_part_budget_are_counted_not_kept()
    {
        var input = Encoding.ASCII.GetBytes("A: 1234567890\r\nB: 1234567890\r\nC: 1234567890\r\nD: x\r\n\r\nbody");

        var message = MimeParser.Parse(input, new MimeParserOptions { MaxHeaderBytes = 40 });

        message.Root.Headers.Select(h => h.Name).ShouldBe(["A", "B"]);
        message.Root.Headers.TotalCount.ShouldBe(4);
        message.Root.LimitsHit.ShouldBe(MimeLimits.HeaderBytes);
        MimeStructureChecks.Text(input, message.Root.BodyRange).ShouldBe("body");
    }

    [Fact]
    public void A_thousand_nested_multiparts_stop_being_subdivided_at_the_depth_limit()
    {
        var input = NestedMultiparts(1_000, out var innermost);

        var message = MimeParser.Parse(input);

        message.PartCount.ShouldBe(MimeParserOptions.Default.MaxDepth + 1);
        var deepest = message.Parts.Last();
        deepest.Depth.ShouldBe(MimeParserOptions.Default.MaxDepth);
        deepest.ContentType.MimeType.ShouldBe("multipart/mixed");
        deepest.Kind.ShouldBe(MimePartKind.Leaf);
        deepest.LimitsHit.ShouldBe(MimeLimits.Depth);
        MimeStructureChecks.Text(input, deepest.BodyRange).ShouldContain(innermost);
        message.Root.Defects.ShouldBe(MimeDefects.None);
        MimeStructureChecks.FindViolation(message, input).ShouldBeNull();
    }

    [Fact]
    public void A_thousand_nested_multiparts_parse_fully_when_the_limit_allows()
    {
        var input = NestedMultiparts(1_000, out var innermost);

        var message = MimeParser.Parse(input, new MimeParserOptions { MaxDepth = 2_000 });

        message.PartCount.ShouldBe(1_001);
        var deepest = message.Parts.Last();
        deepest.Depth.ShouldBe(1_000);
        MimeStructureChecks.Text(input, deepest.BodyRange).ShouldBe(innermost);
        message.LimitsHit.ShouldBe(MimeLimits.None);
        message.ResolveSection(string.Join('.', Enumerable.Repeat("1", 1_000)))!.Part.ShouldBeSameAs(deepest);
        MimeStructureChecks.FindViolation(message, input).ShouldBeNull();
    }

    [Fact]
    public void Nested_message_rfc822_parts_count_towards_the_depth_limit()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 10; i++)
        {
            text.Append("Subject: level ").Append(i).Append("\r\nContent-Type: message/rfc822\r\n\r\n");
        }

        text.Append("Subject: innermost\r\n\r\nhello");
        var input = Encoding.ASCII.GetBytes(text.ToString());

        var message = MimeParser.Parse(input, new MimeParserOptions { MaxDepth = 4 });

        message.PartCount.ShouldBe(5);
        var deepest = message.Parts.Last();
        deepest.Depth.ShouldBe(4);
        deepest.Kind.ShouldBe(MimePartKind.Leaf);
        deepest.LimitsHit.ShouldBe(MimeLimits.Depth);
        // The message is its own part 1, and each message/rfc822 level adds one ".1".
        message.ResolveSection("1.1.1.1.1")!.Part.ShouldBeSameAs(deepest);
    }

    [Fact]
    public void Parts_past_the_part_limit_are_skipped_but_boundaries_still_end_parts()
    {
        var text = new StringBuilder("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
        for (var i = 0; i < 10; i++)
        {
            text.Append("--b\r\n\r\npart ").Append(i).Append("\r\n");
        }

        text.Append("--b--\r\nepilogue");
        var input = Encoding.ASCII.GetBytes(text.ToString());

        var message = MimeParser.Parse(input, new MimeParserOptions { MaxParts = 5 });

        message.PartCount.ShouldBe(5);
        message.Root.Children.Count.ShouldBe(4);
        MimeStructureChecks.Text(input, message.Root.Children[3].BodyRange).ShouldBe("part 3");
        message.Root.LimitsHit.ShouldBe(MimeLimits.Parts);
        MimeStructureChecks.Text(input, message.Root.Epilogue!.Value).ShouldBe("epilogue");
        MimeStructureChecks.FindViolation(message, input).ShouldBeNull();
    }

    [Fact]
    public void Long_lines_are_flagged_on_their_part_without_splitting()
    {
        var longLine = new string('x', 1_500);
        var input = Encoding.ASCII.GetBytes($"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nshort\r\n--b\r\n\r\n{longLine}\r\n--b--\r\n");

        var message = MimeParser.Parse(input);

        message.Root.Children[0].LimitsHit.ShouldBe(MimeLimits.None);
        message.Root.Children[1].LimitsHit.ShouldBe(MimeLimits.LineLength);
        MimeStructureChecks.Text(input, message.Root.Children[1].BodyRange).ShouldBe(longLine);
        message.Root.LimitsHit.ShouldBe(MimeLimits.None);
    }

    // Boundaries "level-N-end" so that none is a prefix of another: RFC 2046 compares
    // boundaries with the beginning of a line, so "level1" would also match "--level10".
    internal static byte[] NestedMultiparts(int depth, out string innermost)
    {
        var text = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            text.Append("Content-Type: multipart/mixed; boundary=\"level-").Append(i).Append("-end\"\r\n\r\n--level-").Append(i).Append("-end\r\n");
        }

        innermost = "the innermost text";
        text.Append("Content-Type: text/plain\r\n\r\n").Append(innermost);
        for (var i = depth - 1; i >= 0; i--)
        {
            text.Append("\r\n--level-").Append(i).Append("-end--");
        }

        text.Append("\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
