using Interchange.Web.Autoconfig;
using Shouldly;

namespace Interchange.Tests.Web.Autoconfig;

public sealed class ClientServicesTests
{
    [Fact]
    public void Implicit_tls_comes_before_starttls_and_port_25_is_never_submission()
    {
        var services = ClientServices.From("mail.example.test", [("smtp", 25), ("submission", 587), ("imap", 143), ("imaps", 993), ("submissions", 465), ("http", 8080)]);

        services.Imap.Select(e => (e.Port, e.SocketType)).ShouldBe([(993, "SSL"), (143, "STARTTLS")]);
        services.Smtp.Select(e => (e.Port, e.SocketType)).ShouldBe([(465, "SSL"), (587, "STARTTLS")]);
        services.Pop3.ShouldBeEmpty();
        services.All.ShouldNotContain(e => e.Port == 25 || e.Port == 8080);
        services.All.ShouldAllBe(e => e.Host == "mail.example.test");
    }

    [Fact]
    public void Two_addresses_of_one_listener_are_one_endpoint()
    {
        var services = ClientServices.From("h.example", [("imaps", 993), ("imaps", 993), ("submission", 0)]);

        services.All.Count.ShouldBe(1, "port 0 is not a bound listener");
        services.ForListener("imaps")!.Port.ShouldBe(993);
        services.ForListener("pop3").ShouldBeNull();
    }

    [Fact]
    public void Published_records_mark_protocols_not_offered_with_a_dot_target()
    {
        var services = ClientServices.From("mail.example.test", [("imaps", 993), ("submission", 587)]);

        var lines = PublishedRecords.For("example.test", "mx.example.test", services, webPort: null, dkimRecords: ["sel._domainkey.example.test. IN TXT \"v=DKIM1; k=rsa; p=AAAA\""])
            .Select(r => r.ZoneLine).ToList();

        lines.ShouldContain("example.test. 3600 IN MX 10 mx.example.test.");
        lines.ShouldContain("_imaps._tcp.example.test. 3600 IN SRV 0 1 993 mail.example.test.");
        lines.ShouldContain("_submission._tcp.example.test. 3600 IN SRV 10 1 587 mail.example.test.");
        lines.ShouldContain("_pop3._tcp.example.test. 3600 IN SRV 0 0 0 .");
        lines.ShouldContain("_submissions._tcp.example.test. 3600 IN SRV 0 0 0 .");
        lines.ShouldContain("sel._domainkey.example.test. IN TXT \"v=DKIM1; k=rsa; p=AAAA\"");
        lines.ShouldNotContain(l => l.StartsWith("autoconfig.", StringComparison.Ordinal), "no https listener: nothing to point autoconfig at");
    }
}
