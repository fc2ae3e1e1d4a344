using System.Text;
using Interchange.Directory.Security;
using Shouldly;

namespace Interchange.Tests.Directory;

public sealed class SaslResponsesTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData("\0alice@example.test\0secret", "alice@example.test", "secret")]
    [InlineData("alice@example.test\0alice@example.test\0p\u00e4ss", "alice@example.test", "p\u00e4ss")]
    [InlineData("ALICE@example.test\0alice@example.test\0x", "alice@example.test", "x")]
    public void Plain_AcceptsAnEmptyOrIdenticalAuthorizationIdentity(string message, string user, string password)
    {
        SaslResponses.TryDecode(B64(message), out var decoded).ShouldBeTrue();
        SaslResponses.TryParsePlain(decoded, out var u, out var p).ShouldBeTrue();
        (u, p).ShouldBe((user, password));
    }

    [Theory]
    [InlineData("bob@example.test\0alice@example.test\0secret")] // acting as someone else
    [InlineData("\0\0secret")]
    [InlineData("alice@example.test\0secret")]
    [InlineData("\0a\0b\0c")]
    public void Plain_RefusesOtherShapes(string message) =>
        SaslResponses.TryParsePlain(message, out _, out _).ShouldBeFalse();

    [Fact]
    public void Decode_TakesTheEmptyResponse_AndRefusesBadBase64AndBadUtf8()
    {
        SaslResponses.TryDecode("=", out var empty).ShouldBeTrue();
        empty.ShouldBe(string.Empty);
        SaslResponses.TryDecode("not base64!", out _).ShouldBeFalse();
        SaslResponses.TryDecode(Convert.ToBase64String([0xC3, 0x28]), out _).ShouldBeFalse();
        SaslResponses.IsCancel(" * ").ShouldBeTrue();
        Encoding.ASCII.GetString(Convert.FromBase64String(SaslResponses.LoginUserChallenge)).ShouldBe("Username:");
        Encoding.ASCII.GetString(Convert.FromBase64String(SaslResponses.LoginPasswordChallenge)).ShouldBe("Password:");
    }
}
