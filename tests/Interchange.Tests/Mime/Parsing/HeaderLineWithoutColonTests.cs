using System.Text;
using Interchange.Mime.Parsing;
using Shouldly;

namespace Interchange.Tests.Mime.Parsing;

/// <summary>
/// RFC 5322 §2.1: only the empty line ends a header. A line that is not a field is skipped
/// (flagged <see cref="MimeDefects.InvalidHeaderLine"/>) and the fields after it are read.
/// </summary>
public sealed class HeaderLineWithoutColonTests
{
    [Theory]
    [InlineData("From: a@example.com\r\nnot a field\r\nTo: b@example.com\r\n\r\nbody\r\n")]
    [InlineData("From: a@example.com\nnot a field\nTo: b@example.com\n\nbody\n")]
    [InlineData("From: a@example.com\r\n\tfold\r\nnot a field\r\n  and a fold after it\r\nTo: b@example.com\r\n\r\nbody\r\n")]
    [InlineData(" fold with no field\r\nFrom: a@example.com\r\nTo: b@example.com\r\n\r\nbody\r\n")]
    [InlineData("From: a@example.com\r\n@@@\r\nbad name here\r\nTo: b@example.com\r\n\r\nbody\r\n")]
    public void Fields_after_a_bad_line_are_kept_and_the_body_starts_after_the_blank_line(string text)
    {
        var input = Encoding.ASCII.GetBytes(text);

        var message = MimeParser.Parse(input);

        message.Root.Headers.Select(h => h.Name).ShouldBe(["From", "To"]);
        message.Envelope.To.ShouldHaveSingleItem();
        Encoding.ASCII.GetString(input[(int)message.Root.BodyStart..(int)message.Root.BodyEnd]).ShouldStartWith("body");
        message.Root.Defects.HasFlag(MimeDefects.InvalidHeaderLine).ShouldBeTrue();
    }

    [Fact]
    public void A_content_type_after_a_bad_line_makes_the_message_multipart()
    {
        var input = Encoding.ASCII.GetBytes(
            "From: a@example.com\r\nX-Junk without colon\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            + "--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\nbroken part header\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n--b--\r\n");

        var message = MimeParser.Parse(input);

        message.Root.ContentType.MimeType.ShouldBe("multipart/mixed");
        message.Root.Children.Select(c => c.ContentType.MimeType).ShouldBe(["text/plain", "text/html"]);
        message.Root.Children[1].Defects.HasFlag(MimeDefects.InvalidHeaderLine).ShouldBeTrue();
    }

    [Fact]
    public void A_boundary_still_ends_a_header_that_has_no_blank_line()
    {
        var input = Encoding.ASCII.GetBytes(
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n--b\r\nContent-Type: text/html\r\n\r\nx\r\n--b--\r\n");

        var message = MimeParser.Parse(input);

        message.Root.Children.Count.ShouldBe(2);
        message.Root.Children[0].Defects.HasFlag(MimeDefects.UnterminatedHeader).ShouldBeTrue();
        message.Root.Children[1].ContentType.MimeType.ShouldBe("text/html");
    }
}
