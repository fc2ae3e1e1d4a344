using Interchange.Server.Configuration;
using Interchange.Tests.TestSupport;
using Interchange.Transport.Gateway;
using Microsoft.Extensions.Configuration;
using Shouldly;

namespace Interchange.Tests.Server.Configuration;

/// <summary><c>Transport:Gateways</c> as the server reads and checks it at start.</summary>
public sealed class GatewayConfigurationTests
{
    [Fact]
    public void Gateways_bind_from_configuration_with_their_defaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Transport:Gateways:0:Name"] = "ccmail",
            ["Transport:Gateways:0:DropFolder"] = "gateways/ccmail/out",
            ["Transport:Gateways:1:Name"] = "notes",
            ["Transport:Gateways:1:PickupFolder"] = "/srv/notes/in",
            ["Transport:Gateways:1:Workers"] = "1",
        }).Build();
        var options = new InterchangeOptions();
        configuration.Bind(options);

        UnknownConfigurationKeys.Find(configuration, typeof(InterchangeOptions)).ShouldBeEmpty();
        options.Validate().ShouldBeEmpty();
        var (ccmail, notes) = (options.Transport.Gateways[0], options.Transport.Gateways[1]);
        (ccmail.Name, ccmail.DropFolder, ccmail.PickupFolder, ccmail.Workers, ccmail.Lease, ccmail.PollInterval).ShouldBe(("ccmail", "gateways/ccmail/out", "", 4, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5)));
        (notes.Name, notes.PickupFolder, notes.Workers).ShouldBe(("notes", "/srv/notes/in", 1));
    }

    [Fact]
    public void Names_that_routes_could_not_reach_folders_missing_and_bad_limits_are_each_reported()
    {
        var problems = GatewayConfiguration.Validate(
        [
            new GatewayOptions { Name = "CcMail", DropFolder = "a" },
            new GatewayOptions { Name = "smtp", DropFolder = "b" },
            new GatewayOptions { Name = "notes", DropFolder = "c" },
            new GatewayOptions { Name = "notes", PickupFolder = "d" },
            new GatewayOptions { Name = "empty" },
            new GatewayOptions { Name = "limits", DropFolder = "e", Workers = 0, Lease = TimeSpan.FromSeconds(5), PollInterval = TimeSpan.Zero, MaxMessageSize = 10 },
        ]);

        problems.ShouldBe(
        [
            "Transport:Gateways:0:Name 'CcMail' is not a connector name: lower-case letters, digits, '-', '_' and '.', at most 64, starting with a letter or digit",
            "Transport:Gateways:1:Name 'smtp' is a built-in connector's name",
            "Transport:Gateways:3:Name 'notes' names two gateways",
            "Transport:Gateways:4: a gateway needs a DropFolder, a PickupFolder or both",
            "Transport:Gateways:5:Workers must be from 1 to 1000",
            "Transport:Gateways:5:Lease must be at least 30 seconds (it is renewed every third of it)",
            "Transport:Gateways:5:PollInterval must be positive",
            "Transport:Gateways:5:MaxMessageSize must be at least 1024 bytes",
        ]);
    }

    [Fact]
    public void Prepare_puts_relative_folders_under_the_data_folder_creates_them_and_refuses_one_folder_used_twice()
    {
        using var data = new TempDirectory();
        var absolute = data.File("elsewhere/in");
        var gateways = new[]
        {
            new GatewayOptions { Name = "ccmail", DropFolder = "gateways/ccmail/out", PickupFolder = absolute },
            new GatewayOptions { Name = "notes", DropFolder = "gateways/ccmail/out/" },
        };

        var problems = GatewayConfiguration.Prepare(gateways, data.Path);

        gateways[0].DropFolder.ShouldBe(Path.Combine(data.Path, "gateways", "ccmail", "out"));
        gateways[0].PickupFolder.ShouldBe(absolute);
        System.IO.Directory.Exists(gateways[0].DropFolder).ShouldBeTrue();
        System.IO.Directory.Exists(absolute).ShouldBeTrue();
        problems.ShouldBe([$"Transport:Gateways:1:DropFolder: {gateways[0].DropFolder} is also Transport:Gateways:0:DropFolder; every gateway folder must be its own"]);
    }

    [Fact]
    public void Prepare_reports_a_folder_that_cannot_be_created()
    {
        using var data = new TempDirectory();
        File.WriteAllText(data.File("a-file"), "not a folder");

        var problems = GatewayConfiguration.Prepare([new GatewayOptions { Name = "x", PickupFolder = "a-file/in" }], data.Path);

        problems.ShouldHaveSingleItem().ShouldStartWith($"Transport:Gateways:0:PickupFolder: cannot create {data.File("a-file/in")}: ");
    }
}
