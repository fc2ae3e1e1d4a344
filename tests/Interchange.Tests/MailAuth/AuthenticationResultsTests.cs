using System.Text;
using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;
using Interchange.MailAuth.Dmarc;
using Interchange.MailAuth.Results;
using Interchange.MailAuth.Spf;
using MimeKit;
using Shouldly;

namespace Interchange.Tests.MailAuth;

public sealed class AuthenticationResultsTests
{
    private static readonly DkimSignatureResult Pass = new(DkimResult.Pass, "example.com", "sel", null, "rsa-sha256", "ab/cd+ef");
    private static readonly SpfOutcome Spf = new(SpfResult.Pass, "mailfrom", "example.com", "bounce@example.com");
    private static readonly DmarcOutcome Dmarc = new(DmarcResult.Pass, "example.com", "example.com", "example.com", null, DmarcPolicy.Reject, DmarcPolicy.None, true, true);

    [Fact]
    public void The_field_names_each_method_with_its_properties_and_quotes_what_is_not_a_token()
    {
        var field = AuthenticationResultsWriter.Write("mx.example.net", Spf, [Pass], Dmarc, new ArcOutcome(ArcResult.Pass, 2, null, "fwd.example.org"));

        field.ShouldBe(
            "Authentication-Results: mx.example.net;\r\n" +
            "\tdkim=pass header.d=example.com header.s=sel header.a=rsa-sha256\r\n" +
            "\theader.b=\"ab/cd+ef\";\r\n" +
            "\tspf=pass smtp.mailfrom=bounce@example.com;\r\n" +
            "\tdmarc=pass (p=reject dis=none) header.from=example.com;\r\n" +
            "\tarc=pass (i=2 d=fwd.example.org)");
    }

    [Fact]
    public void No_line_is_longer_than_78_and_reasons_are_quoted_and_escaped()
    {
        var failed = new DkimSignatureResult(DkimResult.Fail, "a-very-long-subdomain.of-a-rather-long-domain.example.com", "selector-2026-12", "user@a-very-long-subdomain.of-a-rather-long-domain.example.com", "rsa-sha256", "AbCdEfGh", "the \"body\" hash (bh=) did not match\u00e9");
        var dmarc = Dmarc with { Result = DmarcResult.Fail, Reason = "no aligned pass", Disposition = DmarcPolicy.Quarantine };

        var field = AuthenticationResultsWriter.Write("mx.example.net", Spf with { Result = SpfResult.SoftFail }, [failed, Pass], dmarc, new ArcOutcome(ArcResult.None, 0, null, null));

        field.Split("\r\n").ShouldAllBe(line => line.Length <= 78);
        field.ShouldContain("reason=\"the \\\"body\\\" hash (bh=) did not match?\"");
        field.ShouldContain("dmarc=fail (p=reject dis=quarantine) reason=\"no aligned pass\"");
        field.ShouldContain("spf=softfail");
        field.ShouldContain("arc=none");
        field.ShouldNotContain("\r\n\r\n");
        field.Split("\r\n").Skip(1).ShouldAllBe(line => line.StartsWith('\t'));
    }

    [Fact]
    public void An_unsigned_message_says_dkim_none()
    {
        AuthenticationResultsWriter.Write("mx.example.net", null, [], null, null).ShouldBe("Authentication-Results: mx.example.net;\r\n\tdkim=none");
    }

    [Theory]
    [InlineData("mx.example.net; spf=pass", "mx.example.net")]
    [InlineData("  mx.example.net 1; spf=pass", "mx.example.net")]
    [InlineData("(comment (nested) \\) ) MX.Example.NET;none", "MX.Example.NET")]
    [InlineData("\r\n\t\"mx.example.net\"; dkim=pass", "mx.example.net")]
    [InlineData("\"mx.exa\\mple.net\"", "mx.example.net")]
    [InlineData("mx.example.net", "mx.example.net")]
    [InlineData("   ", null)]
    [InlineData("(unterminated comment mx.example.net", null)]
    [InlineData("\"unterminated", null)]
    public void The_authserv_id_is_read_past_comments_and_white_space(string value, string? id) =>
        AuthenticationResultsScanner.ReadAuthservId(value).ShouldBe(id);

    private const string Section =
        "Received: from a by b; Tue, 1 Dec 2026 10:00:00 +0000\r\n" +
        "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=x@y\r\n" +
        "authentication-results : (forged)\r\n MX.EXAMPLE.NET;\r\n  dkim=pass\r\n" +
        "Authentication-Results: other.example.org; dkim=pass\r\n" +
        "ARC-Authentication-Results: i=1; mx.example.net; dkim=pass\r\n" +
        "Authentication-Results: (no id readable mx.example.net\r\n" +
        "Authentication-Results: mx.example.net.evil.org; dkim=pass\r\n" +
        "Subject: hi\r\n" +
        "\r\n" +
        "Authentication-Results: mx.example.net; in the body\r\n";

    [Fact]
    public void Forged_fields_claiming_our_id_are_found_as_whole_fields_and_no_others()
    {
        var bytes = Encoding.ASCII.GetBytes(Section);

        var found = AuthenticationResultsScanner.FindOwn(bytes, "mx.example.net");

        found.Select(r => Encoding.ASCII.GetString(bytes[r])).ShouldBe(
        [
            "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=x@y\r\n",
            "authentication-results : (forged)\r\n MX.EXAMPLE.NET;\r\n  dkim=pass\r\n",
            "Authentication-Results: (no id readable mx.example.net\r\n",
        ]);
    }

    [Fact]
    public void The_same_fields_are_found_in_a_parsed_header_list()
    {
        var message = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(Section)));

        var found = AuthenticationResultsScanner.FindOwn(message.Headers, "mx.example.net");

        found.ShouldBe([1, 2, 5]);
        foreach (var index in found.Reverse())
        {
            message.Headers.RemoveAt(index);
        }

        message.Headers.Count(h => h.Field.Equals("Authentication-Results", StringComparison.OrdinalIgnoreCase)).ShouldBe(2);
        message.Headers.Contains("ARC-Authentication-Results").ShouldBeTrue();
    }
}
