using Interchange.Smtp.Client;
using Shouldly;

namespace Interchange.Tests.Smtp.Client;

public sealed class SmtpServerCapabilitiesTests
{
    [Fact]
    public void PostfixLikeEhlo_EveryExtensionFound()
    {
        var caps = SmtpServerCapabilities.Parse(["mx.peer.test", "PIPELINING", "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "AUTH PLAIN LOGIN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"]);

        caps.Esmtp.ShouldBeTrue();
        caps.Pipelining.ShouldBeTrue();
        caps.Size.ShouldBeTrue();
        caps.MaxSize.ShouldBe(10240000);
        caps.StartTls.ShouldBeTrue();
        caps.EnhancedStatusCodes.ShouldBeTrue();
        caps.EightBitMime.ShouldBeTrue();
        caps.Dsn.ShouldBeTrue();
        caps.SmtpUtf8.ShouldBeTrue();
        caps.Chunking.ShouldBeTrue();
        caps.BinaryMime.ShouldBeFalse();
        caps.AuthMechanisms.ShouldBe(["PLAIN", "LOGIN"], ignoreOrder: true);
    }

    [Fact]
    public void FirstLineIsTheDomain_NotAKeyword() =>
        SmtpServerCapabilities.Parse(["PIPELINING"]).Pipelining.ShouldBeFalse();

    [Theory]
    [InlineData("SIZE", 0)]
    [InlineData("SIZE 0", 0)]
    [InlineData("size 500", 500)]
    [InlineData("SIZE junk", 0)]
    public void Size_WithoutALimit_IsZero(string line, long max)
    {
        var caps = SmtpServerCapabilities.Parse(["peer", line]);
        caps.Size.ShouldBeTrue();
        caps.MaxSize.ShouldBe(max);
    }

    [Fact]
    public void OldAuthEqualsForm_Understood() =>
        SmtpServerCapabilities.Parse(["peer", "AUTH=LOGIN PLAIN"]).AuthMechanisms.ShouldBe(["LOGIN", "PLAIN"], ignoreOrder: true);

    [Fact]
    public void None_OffersNothing() =>
        SmtpServerCapabilities.None.ShouldSatisfyAllConditions(c => c.Esmtp.ShouldBeFalse(), c => c.Pipelining.ShouldBeFalse(), c => c.AuthMechanisms.ShouldBeEmpty());
}
