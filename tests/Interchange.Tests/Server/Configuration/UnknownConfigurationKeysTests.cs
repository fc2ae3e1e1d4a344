using Shouldly;
using Interchange.Server.Configuration;
using Microsoft.Extensions.Configuration;

namespace Interchange.Tests.Server.Configuration;

public sealed class UnknownConfigurationKeysTests
{
    private static IReadOnlyList<UnknownConfigurationKeys.Finding> Check(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return UnknownConfigurationKeys.Find(configuration, typeof(InterchangeOptions));
    }

    [Fact]
    public void KnownKeys_AnyCase_DictionariesAndOtherConsumers_AreNotReported()
    {
        Check(
            ("PrimaryDomain", "example.com"),
            ("smtp:maxmessagesize", "1000000"),
            ("Imap:IdleTimeout", "00:30:00"),
            ("Listen:smtp", "127.0.0.1:2525"),
            ("Listen:whatever-protocol", "none"),
            ("Tls:CertificatePath", "/x.pem"),
            ("Data", "/srv/interchange"),
            ("Logging:LogLevel:Default", "Debug")).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("Smtp:MaxMesageSize", "Smtp:MaxMesageSize", "Smtp:MaxMessageSize")]
    [InlineData("PrimaryDomian", "PrimaryDomian", "PrimaryDomain")]
    [InlineData("smtp:maxmessagesise", "Smtp:maxmessagesise", "Smtp:MaxMessageSize")]
    [InlineData("Imapp:IdleTimeout", "Imapp", "Imap")]
    [InlineData("Pop3:Frobnicate", "Pop3:Frobnicate", null)]
    public void MisspeltKey_IsReported_WithTheClosestKnownOne(string key, string reported, string? suggestion)
    {
        var finding = Check((key, "1")).ShouldHaveSingleItem();
        finding.Key.ShouldBe(reported);
        finding.Suggestion.ShouldBe(suggestion);
        finding.ToString().ShouldContain($"'{reported}'");
    }

    [Fact]
    public void AnUnknownSection_IsReportedOnce_NotForEachKeyInIt()
    {
        Check(("Smpt:MaxMessageSize", "1"), ("Smpt:MaxRecipients", "100")).ShouldHaveSingleItem().Key.ShouldBe("Smpt");
    }
}
