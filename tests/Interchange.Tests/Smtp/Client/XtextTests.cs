using Interchange.Smtp.Protocol;
using Shouldly;

namespace Interchange.Tests.Smtp.Client;

public sealed class XtextTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a+b=c", "a+2Bb+3Dc")]
    [InlineData("with space", "with+20space")]
    [InlineData("cr\r\nlf", "cr+0D+0Alf")]
    [InlineData("ü", "+C3+BC")]
    public void Encode_RoundTripsThroughTheServersDecoder(string text, string xtext)
    {
        SmtpParameters.EncodeXtext(text).ShouldBe(xtext);
        SmtpParameters.DecodeXtext(xtext).ShouldBe(text);
    }
}
