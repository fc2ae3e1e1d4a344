using Interchange.Smtp.Protocol;
using Shouldly;

namespace Interchange.Tests.Smtp;

public sealed class SmtpPathTests
{
    [Theory]
    [InlineData("<user@example.test>", "user", "example.test", "")]
    [InlineData("<user@example.test> SIZE=10 BODY=8BITMIME", "user", "example.test", "SIZE=10 BODY=8BITMIME")]
    [InlineData(" <user@example.test>", "user", "example.test", "")]
    [InlineData("user@example.test", "user", "example.test", "")]
    [InlineData("<@relay.test,@other.test:user@example.test>", "user", "example.test", "")]
    [InlineData("<\"quoted local\"@example.test>", "\"quoted local\"", "example.test", "")]
    [InlineData("<\"a>b\"@example.test>", "\"a>b\"", "example.test", "")]
    [InlineData("<\"a@b\"@example.test>", "\"a@b\"", "example.test", "")]
    [InlineData("<user@[192.0.2.1]>", "user", "[192.0.2.1]", "")]
    [InlineData("<user@[IPv6:2001:db8::1]>", "user", "[IPv6:2001:db8::1]", "")]
    [InlineData("<用户@例子.test>", "用户", "例子.test", "")]
    [InlineData("<user%other@example.test>", "user%other", "example.test", "")]
    [InlineData("<Postmaster>", "Postmaster", "", "")]
    public void Parses(string text, string local, string domain, string rest)
    {
        SmtpPath.TryParse(text, out var path, out var remainder, out var error).ShouldBeTrue(error);
        path.LocalPart.ShouldBe(local);
        path.Domain.ShouldBe(domain);
        remainder.ShouldBe(rest);
    }

    [Fact]
    public void TheNullPath_IsNull()
    {
        SmtpPath.TryParse("<>", out var path, out _, out _).ShouldBeTrue();
        path.IsNull.ShouldBeTrue();
        path.Address.ShouldBe(string.Empty);
    }

    [Theory]
    [InlineData("<user@example.test")]
    [InlineData("<userexample.test>")]
    [InlineData("<.user@example.test>")]
    [InlineData("<us..er@example.test>")]
    [InlineData("<user.@example.test>")]
    [InlineData("<us er@example.test>")]
    [InlineData("<user@-bad.test>")]
    [InlineData("<user@bad_domain.test>")]
    [InlineData("<user@[not an ip]>")]
    [InlineData("<@relay.test user@example.test>")]
    [InlineData("<\"unterminated@example.test>")]
    [InlineData("<a@b@example.test>")]
    [InlineData("<user@>")]
    [InlineData("<@example.test>")]
    public void Refuses(string text)
    {
        SmtpPath.TryParse(text, out _, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNullOrEmpty();
    }
}
