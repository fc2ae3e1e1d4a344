using System.IO.Compression;
using System.Text;
using Interchange.MailAuth.Reports;
using Shouldly;

namespace Interchange.Tests.MailAuth;

public sealed class DmarcAggregateReportParserTests
{
    // Written from RFC 7489 Appendix C's schema: two records, one passing, one failing and quarantined.
    private const string Sample = """
        <?xml version="1.0" encoding="UTF-8" ?>
        <feedback>
          <version>1.0</version>
          <report_metadata>
            <org_name>mail.receiver.example</org_name>
            <email>noreply-dmarc@mail.receiver.example</email>
            <report_id>12598866915817748661</report_id>
            <date_range><begin>1796083200</begin><end>1796169599</end></date_range>
          </report_metadata>
          <policy_published>
            <domain>example.com</domain>
            <adkim>r</adkim>
            <aspf>s</aspf>
            <p>quarantine</p>
            <sp>none</sp>
            <pct>100</pct>
          </policy_published>
          <record>
            <row>
              <source_ip>192.0.2.25</source_ip>
              <count>12</count>
              <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated>
            </row>
            <identifiers><header_from>example.com</header_from><envelope_from>example.com</envelope_from></identifiers>
            <auth_results>
              <dkim><domain>example.com</domain><selector>s2026</selector><result>pass</result></dkim>
              <spf><domain>example.com</domain><scope>mfrom</scope><result>pass</result></spf>
            </auth_results>
          </record>
          <record>
            <row>
              <source_ip>2001:db8::66</source_ip>
              <count>3</count>
              <policy_evaluated><disposition>quarantine</disposition><dkim>fail</dkim><spf>fail</spf></policy_evaluated>
            </row>
            <identifiers><header_from>example.com</header_from></identifiers>
            <auth_results>
              <spf><domain>forger.example</domain><result>softfail</result></spf>
            </auth_results>
          </record>
        </feedback>
        """;

    private static void ShouldBeTheSample(DmarcAggregateReport? report)
    {
        report.ShouldNotBeNull();
        report.OrganizationName.ShouldBe("mail.receiver.example");
        report.ReportId.ShouldBe("12598866915817748661");
        report.Begin.ShouldBe(DateTimeOffset.FromUnixTimeSeconds(1796083200));
        report.Policy.ShouldBe(new DmarcPublishedPolicy("example.com", "r", "s", "quarantine", "none", 100));
        report.Records.Count.ShouldBe(2);
        report.Records[0].Count.ShouldBe(12);
        report.Records[0].Dkim.ShouldBe([("example.com", "s2026", "pass")]);
        report.Records[1].SourceIp.ShouldBe("2001:db8::66");
        report.Records[1].Disposition.ShouldBe("quarantine");
        report.Records[1].EnvelopeFrom.ShouldBeNull();
        report.Records[1].Dkim.ShouldBeEmpty();
        report.Records[1].Spf.ShouldBe([("forger.example", null, "softfail")]);
    }

    [Fact]
    public void A_plain_XML_report_is_read()
    {
        DmarcAggregateReportParser.TryParse(new MemoryStream(Encoding.UTF8.GetBytes(Sample)), out var report, out var problem).ShouldBeTrue(problem);
        ShouldBeTheSample(report);
    }

    [Fact]
    public void A_gzip_report_is_read()
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(Sample));
        }

        compressed.Position = 0;
        DmarcAggregateReportParser.TryParse(compressed, out var report, out var problem).ShouldBeTrue(problem);
        ShouldBeTheSample(report);
    }

    [Fact]
    public void A_zip_report_is_read()
    {
        var compressed = new MemoryStream();
        using (var zip = new ZipArchive(compressed, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("mail.receiver.example!example.com!1796083200!1796169599.xml").Open();
            entry.Write(Encoding.UTF8.GetBytes(Sample));
        }

        compressed.Position = 0;
        DmarcAggregateReportParser.TryParse(compressed, out var report, out var problem).ShouldBeTrue(problem);
        ShouldBeTheSample(report);
    }

    [Fact]
    public void A_decompression_bomb_stops_at_the_bound()
    {
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            // Well-formed as far as it goes, so only the bound can stop it: a root opened, then 64 MB of spaces.
            gzip.Write("<feedback>"u8);
            var spaces = Enumerable.Repeat((byte)' ', 1024 * 1024).ToArray();
            for (var i = 0; i < 64; i++)
            {
                gzip.Write(spaces);
            }
        }

        compressed.Position = 0;
        DmarcAggregateReportParser.TryParse(compressed, out var report, out var problem, maxBytes: 1024 * 1024).ShouldBeFalse();
        report.ShouldBeNull();
        problem!.ShouldContain("larger than");
    }

    [Theory]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><feedback>&x;</feedback>")]
    [InlineData("<feedback><report_metadata></report_metadata></feedback>")]
    [InlineData("<other/>")]
    [InlineData("not xml at all")]
    [InlineData("")]
    public void Input_that_is_not_a_report_gives_a_reason_not_an_exception(string text)
    {
        DmarcAggregateReportParser.TryParse(new MemoryStream(Encoding.UTF8.GetBytes(text)), out var report, out var problem).ShouldBeFalse();
        report.ShouldBeNull();
        problem.ShouldNotBeNullOrEmpty();
    }
}
