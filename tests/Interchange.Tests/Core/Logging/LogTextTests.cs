using Interchange.Core.Logging;
using Shouldly;

namespace Interchange.Tests.Core.Logging;

public sealed class LogTextTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("alice@example.test", "alice@example.test")]
    [InlineData("<esc\u001b[31m@x>", @"<esc\x1B[31m@x>")]
    [InlineData("nul\0", @"nul\x00")]
    [InlineData("line\r\nforged: yes", @"line\x0D\x0Aforged: yes")]
    [InlineData("tab\tdel\u007f", @"tab\x09del\x7F")]
    [InlineData("c1 csi \u009b1m", @"c1 csi \x9B1m")]
    [InlineData(@"a\x1Bb", @"a\\x1Bb")]
    [InlineData("用户@例子.测试", "用户@例子.测试")]
    public void EscapesControlsAndBackslashes_AndKeepsEverythingElse(string? text, string expected)
    {
        LogText.Escape(text).ShouldBe(expected);
        new LogText(text).ToString().ShouldBe(expected);
    }

    [Fact]
    public void LongText_IsCut_WithTheRestCounted_NeverInsideACharacter()
    {
        LogText.Escape(new string('x', 600)).ShouldBe(new string('x', LogText.MaxLength) + "...(88 more)");
        var emoji = new string('x', LogText.MaxLength - 1) + "\U0001F600" + "tail";
        LogText.Escape(emoji).ShouldBe(new string('x', LogText.MaxLength - 1) + "...(6 more)");
    }
}
