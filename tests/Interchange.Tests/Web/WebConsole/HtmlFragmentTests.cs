using Interchange.Web.WebConsole;
using Shouldly;
using Xunit;

namespace Interchange.Tests.Web.WebConsole;

/// <summary>The console's markup: every interpolated value is encoded unless it is markup built the same way.</summary>
public sealed class HtmlFragmentTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;")]
    [InlineData("\" onmouseover=\"x", "&quot; onmouseover=&quot;x")]
    [InlineData("a'b&c", "a&#x27;b&amp;c")]
    [InlineData("müller@exämple.test", "müller@exämple.test")]
    public void Holes_AreEncoded_InTextAndAttributes(string value, string encoded)
    {
        HtmlFragment.Of($"<td title=\"{value}\">{value}</td>").Markup.ShouldBe($"<td title=\"{encoded}\">{encoded}</td>");
    }

    [Fact]
    public void Fragments_AreInsertedAsMarkup_OnceEncoded()
    {
        var inner = HtmlFragment.Of($"<b>{"<i>"}</b>");
        HtmlFragment.Of($"<p>{inner}</p>").Markup.ShouldBe("<p><b>&lt;i&gt;</b></p>");
    }

    [Fact]
    public void ListsOfFragments_AreJoined_NotPrintedAsATypeName()
    {
        var items = new List<HtmlFragment> { HtmlFragment.Of($"<li>{"a&b"}</li>"), HtmlFragment.Of($"<li>{2}</li>") };
        HtmlFragment.Of($"<ul>{items}</ul>").Markup.ShouldBe("<ul><li>a&amp;b</li><li>2</li></ul>");
        HtmlFragment.Of($"<ul>{items.Select(i => i)}</ul>").Markup.ShouldBe("<ul><li>a&amp;b</li><li>2</li></ul>");
    }

    [Fact]
    public void Numbers_AreWrittenInvariantly()
    {
        HtmlFragment.Of($"{1234.5}|{1234567L}").Markup.ShouldBe("1234.5|1234567");
    }

    [Theory]
    [InlineData("/console/users", true)]
    [InlineData("/", true)]
    [InlineData("//evil.test/", false)]
    [InlineData("/\\evil.test", false)]
    [InlineData("https://evil.test/", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("/console\r\nSet-Cookie: x", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void ReturnAddresses_AreLocalPathsOnly(string? url, bool local)
    {
        ConsoleSecurity.IsLocalPath(url).ShouldBe(local);
    }
}
