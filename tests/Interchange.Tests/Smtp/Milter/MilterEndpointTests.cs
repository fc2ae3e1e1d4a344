using Interchange.Smtp.Milter;
using Shouldly;

namespace Interchange.Tests.Smtp.Milter;

public sealed class MilterEndpointTests
{
    [Theory]
    [InlineData("unix:/run/opendkim/opendkim.sock", "unix:/run/opendkim/opendkim.sock")]
    [InlineData("local:/var/run/milter.sock", "unix:/var/run/milter.sock")]
    [InlineData("inet:8891@127.0.0.1", "127.0.0.1:8891")]           // the milter's own Socket syntax
    [InlineData("inet:127.0.0.1:8891", "127.0.0.1:8891")]           // Postfix's smtpd_milters
    [InlineData("inet6:8891@::1", "[::1]:8891")]
    [InlineData("localhost:11332", "localhost:11332")]
    [InlineData("[::1]:11332", "[::1]:11332")]
    [InlineData(" inet:8893@[127.0.0.2] ", "127.0.0.2:8893")]
    public void Parses(string text, string described)
    {
        MilterEndpoint.TryParse(text, out var endpoint, out var error).ShouldBeTrue(error);
        endpoint.ToString().ShouldBe(described);
    }

    [Theory]
    [InlineData("")]
    [InlineData("unix:relative.sock")]
    [InlineData("inet:8891")]
    [InlineData("inet:8891@")]
    [InlineData("inet:0@127.0.0.1")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]8891")]
    public void Refuses(string text) => MilterEndpoint.TryParse(text, out _, out _).ShouldBeFalse();

    [Fact]
    public void Options_ReportEachProblem()
    {
        var options = new MilterOptions { Name = string.Empty, Socket = "nowhere", CommandTimeout = TimeSpan.Zero, Listeners = ["smtp", "pop3"] };
        var problems = options.Validate("Smtp:Milters:0");
        problems.Count.ShouldBe(4, string.Join("; ", problems));
        new MilterOptions { Name = "opendkim", Socket = "inet:8891@127.0.0.1" }.Validate("x").ShouldBeEmpty();
    }

    [Fact]
    public void Options_ApplyToTheirListeners_OrAllWhenNoneIsNamed()
    {
        new MilterOptions().AppliesTo("submission").ShouldBeTrue();
        var smtpOnly = new MilterOptions { Listeners = ["SMTP"] };
        smtpOnly.AppliesTo("smtp").ShouldBeTrue();
        smtpOnly.AppliesTo("submissions").ShouldBeFalse();
    }
}
