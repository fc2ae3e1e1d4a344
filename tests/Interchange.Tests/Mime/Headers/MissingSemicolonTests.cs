using Interchange.Mime.Headers;
using Shouldly;

namespace Interchange.Tests.Mime.Headers;

/// <summary>
/// Parameters with a missing ';' before them are read as meant (docs/MIME.md, leniency table):
/// after a quoted value, and after an unquoted value, a following "name=" starts a parameter.
/// </summary>
public sealed class MissingSemicolonTests
{
    [Theory]
    [InlineData("text/plain; charset=\"utf-8\" format=flowed", "utf-8", "flowed")]
    [InlineData("text/plain charset=utf-8 format=flowed", "utf-8", "flowed")]
    [InlineData("text/plain; charset=utf-8 format=flowed", "utf-8", "flowed")]
    [InlineData("text/plain; charset=utf-8\r\n\tformat=flowed", "utf-8", "flowed")]
    [InlineData("text/plain; charset = utf-8  format = flowed", "utf-8", "flowed")]
    [InlineData("text/plain; charset=\"utf-8\"format=flowed", "utf-8", "flowed")]
    [InlineData("text/plain; charset=utf-8 (comment) format=flowed", "utf-8", "flowed")]
    [InlineData("text/plain; format=flowed charset=utf-8", "utf-8", "flowed")]
    public void A_parameter_after_a_missing_semicolon_is_read(string value, string charset, string format)
    {
        var type = ContentType.Parse(value)!;

        type.MimeType.ShouldBe("text/plain");
        type.Charset.ShouldBe(charset);
        type.Parameters["format"].ShouldBe(format);
    }

    [Theory]
    // Spaces inside an unquoted value with no "=" after them stay part of the value.
    [InlineData("application/pdf; name=My File.pdf", "name", "My File.pdf")]
    [InlineData("application/pdf; name=My File.pdf; size=3", "name", "My File.pdf")]
    [InlineData("application/pdf; name=\"a b=c.pdf\"", "name", "a b=c.pdf")]
    [InlineData("application/pdf; name=\"x\" junk", "name", "x")]
    public void Values_with_spaces_but_no_following_parameter_are_kept_whole(string value, string name, string expected)
    {
        ContentType.Parse(value)!.Parameters[name].ShouldBe(expected);
    }
}
