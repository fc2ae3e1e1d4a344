using Interchange.Server.Configuration;
using Interchange.Server.Hosting;
using Interchange.Smtp.Milter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace Interchange.Tests.Server.Configuration;

/// <summary><c>Smtp:Milters</c> as the server reads and checks it at start, and the filters built from it.</summary>
public sealed class MilterConfigurationTests
{
    [Fact]
    public void Milters_BindWithTheirDefaults_AndBecomeFiltersInOrder()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Smtp:Milters:0:Name"] = "opendkim",
            ["Smtp:Milters:0:Socket"] = "inet:8891@127.0.0.1",
            ["Smtp:Milters:1:Name"] = "rspamd",
            ["Smtp:Milters:1:Socket"] = "unix:/run/rspamd/milter.sock",
            ["Smtp:Milters:1:DefaultAction"] = "accept",
            ["Smtp:Milters:1:EndOfMessageTimeout"] = "00:02:00",
            ["Smtp:Milters:1:Listeners:0"] = "smtp",
        }).Build();
        var options = new InterchangeOptions();
        configuration.Bind(options);

        UnknownConfigurationKeys.Find(configuration, typeof(InterchangeOptions)).ShouldBeEmpty();
        options.Validate().ShouldBeEmpty();
        var (opendkim, rspamd) = (options.Smtp.Milters[0], options.Smtp.Milters[1]);
        (opendkim.ConnectTimeout, opendkim.CommandTimeout, opendkim.EndOfMessageTimeout, opendkim.DefaultAction, opendkim.Listeners.Length)
            .ShouldBe((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5), MilterDefaultAction.TempFail, 0));
        (rspamd.DefaultAction, rspamd.EndOfMessageTimeout, rspamd.Listeners.Single()).ShouldBe((MilterDefaultAction.Accept, TimeSpan.FromMinutes(2), "smtp"));

        var filters = MilterFilters.Build(options.Smtp, NullLoggerFactory.Instance);
        filters.Select(f => f.Name).ShouldBe(["milter opendkim", "milter rspamd"]);
        filters[0].Endpoint.ToString().ShouldBe("127.0.0.1:8891");
        filters[1].MaxMessageSize.ShouldBe(options.Smtp.MaxMessageSize);
    }

    [Fact]
    public void MiltersThatCannotWork_AreReportedAtStart()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Smtp:Milters:0:Name"] = "a",
            ["Smtp:Milters:0:Socket"] = "inet:8891",
            ["Smtp:Milters:1:Name"] = "A",
            ["Smtp:Milters:1:Socket"] = "127.0.0.1:8892",
            ["Smtp:Milters:1:Listeners:0"] = "imap",
        }).Build();
        var options = new InterchangeOptions();
        configuration.Bind(options);

        var problems = options.Validate();
        problems.ShouldContain(p => p.StartsWith("Smtp:Milters:0:Socket", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("Smtp:Milters:1:Listeners", StringComparison.Ordinal));
        problems.ShouldContain(p => p.Contains("its own Name", StringComparison.Ordinal));
    }
}
