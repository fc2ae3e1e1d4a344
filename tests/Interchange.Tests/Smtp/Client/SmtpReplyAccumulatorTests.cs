using Interchange.Smtp.Client;
using Shouldly;

namespace Interchange.Tests.Smtp.Client;

public sealed class SmtpReplyAccumulatorTests
{
    private static void ShouldParseAs((int Code, string? Enhanced, string[] Lines) actual, int code, string? enhanced, params string[] lines)
    {
        actual.Code.ShouldBe(code);
        actual.Enhanced.ShouldBe(enhanced);
        actual.Lines.ShouldBe(lines);
    }

    private static (int Code, string? Enhanced, string[] Lines) Parse(params string[] lines)
    {
        var accumulator = new SmtpReplyAccumulator(maxLines: 10);
        for (var i = 0; i < lines.Length; i++)
        {
            accumulator.Add(lines[i]).ShouldBe(i == lines.Length - 1, $"line {i} ends the reply only if it is the last");
        }

        var reply = accumulator.Build();
        return (reply.Code, reply.Enhanced, reply.Lines.ToArray());
    }

    [Fact]
    public void SingleLine_WithEnhancedCode() =>
        ShouldParseAs(Parse("250 2.1.0 Ok"), 250, "2.1.0", "Ok");

    [Fact]
    public void BareCode_IsAWholeReply() =>
        ShouldParseAs(Parse("250"), 250, null, string.Empty);

    [Fact]
    public void Multiline_EnhancedCodeStrippedFromEveryLine() =>
        ShouldParseAs(Parse("550-5.1.1 first", "550-5.1.1 second", "550 5.1.1 third"), 550, "5.1.1", "first", "second", "third");

    [Fact]
    public void EnhancedCodeOfAnotherClass_IsText() =>
        ShouldParseAs(Parse("250 5.1.1 odd"), 250, null, "5.1.1 odd");

    [Fact]
    public void TextThatLooksLikeACodeWithoutASpace_IsText() =>
        ShouldParseAs(Parse("451 4.3.0x busy"), 451, null, "4.3.0x busy");

    [Fact]
    public void EhloLines_KeptAsText() =>
        Parse("250-peer.test", "250-PIPELINING", "250 SIZE 1000").Lines.ShouldBe(["peer.test", "PIPELINING", "SIZE 1000"]);

    [Theory]
    [InlineData("25 short")]
    [InlineData("abc text")]
    [InlineData("650 not a class")]
    [InlineData("150 not a class")]
    [InlineData("250xno separator")]
    [InlineData("")]
    public void MalformedLine_IsAProtocolError(string line) =>
        Should.Throw<FormatException>(() => new SmtpReplyAccumulator(10).Add(line));

    [Fact]
    public void CodeChangingInAMultilineReply_IsAProtocolError()
    {
        var accumulator = new SmtpReplyAccumulator(10);
        accumulator.Add("250-a").ShouldBeFalse();
        Should.Throw<FormatException>(() => accumulator.Add("550 b")).Message.ShouldContain("changed");
    }

    [Fact]
    public void TooManyLines_IsAProtocolError()
    {
        var accumulator = new SmtpReplyAccumulator(3);
        accumulator.Add("250-a");
        accumulator.Add("250-b");
        accumulator.Add("250-c");
        Should.Throw<FormatException>(() => accumulator.Add("250 d")).Message.ShouldContain("longer than 3 lines");
    }
}
