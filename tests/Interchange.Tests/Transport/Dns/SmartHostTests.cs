using Interchange.Transport.Dns;
using Shouldly;

namespace Interchange.Tests.Transport.Dns;

public sealed class SmartHostTests
{
    [Theory]
    [InlineData("relay.test", "relay.test", 25, false)]
    [InlineData("relay.test:587", "relay.test", 587, false)]
    [InlineData("[relay.test]", "relay.test", 25, true)]
    [InlineData(" [relay.test]:2525 ", "relay.test", 2525, true)]
    [InlineData("[192.0.2.1]:465", "192.0.2.1", 465, true)]
    [InlineData("192.0.2.1", "192.0.2.1", 25, true)]
    [InlineData("[2001:db8::1]:26", "2001:db8::1", 26, true)]
    [InlineData("[IPv6:2001:db8::1]", "2001:db8::1", 25, true)]
    public void Parses_relayhost_forms(string text, string host, int port, bool skipMx)
    {
        SmartHost.Parse(text).ShouldBe(new SmartHost(host, port, skipMx));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[relay.test")]
    [InlineData("[relay.test]587")]
    [InlineData("relay.test:")]
    [InlineData("relay.test:0")]
    [InlineData("relay.test:70000")]
    [InlineData("relay.test:+25")]
    [InlineData("2001:db8::1")]
    [InlineData("[]:25")]
    public void Rejects_malformed_settings(string text)
    {
        Should.Throw<FormatException>(() => SmartHost.Parse(text));
    }
}
