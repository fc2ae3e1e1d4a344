using System.Diagnostics.Metrics;
using System.Net;
using Interchange.MailAuth;
using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;
using Interchange.MailAuth.Dmarc;
using Interchange.MailAuth.Spf;
using Interchange.Tests.Transport.Dns;
using Interchange.Transport.Dns;
using Shouldly;

namespace Interchange.Tests.MailAuth;

public sealed class MessageAuthenticatorTests
{
    private static readonly PublicSuffixList Suffixes = PublicSuffixList.Parse(["com", "org", "net"]);

    /// <summary>An SPF verifier answering one fixed result, or never (ignoring cancellation).</summary>
    private sealed class FakeSpf(SpfResult? result) : ISpfVerifier
    {
        public Task<SpfOutcome> VerifyMailFromAsync(IPAddress client, string helo, string mailFrom, CancellationToken cancellationToken) =>
            result is { } r ? Task.FromResult(new SpfOutcome(r, "mailfrom", mailFrom[(mailFrom.IndexOf('@') + 1)..], mailFrom)) : new TaskCompletionSource<SpfOutcome>().Task;

        public Task<SpfOutcome> VerifyHeloAsync(IPAddress client, string helo, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static AuthenticationRequest Request(byte[] message, string mailFrom = "bounce@example.com") =>
        new(IPAddress.Parse("192.0.2.1"), "mail.example.com", mailFrom, new MemoryStream(message), "mx.example.net");

    [Fact]
    public async Task A_signed_message_from_a_reject_domain_passes_every_method_and_is_counted()
    {
        var dns = new FakeDnsResolver()
            .Publish("sel._domainkey.example.com", TestKeys.RsaRecord(TestKeys.Rsa))
            .Publish("_dmarc.example.com", "v=DMARC1; p=reject");
        var message = TestKeys.Bytes(TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel"));
        var counted = new List<(string Method, string Result)>();
        using var listener = Listen(counted);

        var verdict = await new MessageAuthenticator(dns, new FakeSpf(SpfResult.Pass), Suffixes, new MailAuthOptions()).VerifyAsync(Request(message), CancellationToken.None);

        verdict.Spf.Result.ShouldBe(SpfResult.Pass);
        verdict.Dkim.Single().Result.ShouldBe(DkimResult.Pass);
        verdict.Arc.Result.ShouldBe(ArcResult.None);
        verdict.Dmarc.Result.ShouldBe(DmarcResult.Pass);
        verdict.Disposition.ShouldBe(DmarcPolicy.None);
        verdict.TimedOut.ShouldBeFalse();
        verdict.AuthenticationResults.ShouldStartWith("Authentication-Results: mx.example.net;\r\n\tdkim=pass header.d=example.com header.s=sel");
        verdict.AuthenticationResults.ShouldContain("dmarc=pass (p=reject dis=none) header.from=example.com");
        counted.ShouldContain(("dkim", "pass"));
        counted.ShouldContain(("dmarc", "pass"));
        counted.ShouldContain(("spf", "pass"));
        counted.ShouldContain(("arc", "none"));
    }

    [Fact]
    public async Task An_unsigned_forgery_of_a_reject_domain_is_rejected()
    {
        var dns = new FakeDnsResolver().Publish("_dmarc.example.com", "v=DMARC1; p=reject");
        var message = TestKeys.Bytes(TestKeys.Message());

        var verdict = await new MessageAuthenticator(dns, new FakeSpf(SpfResult.Fail), Suffixes, new MailAuthOptions()).VerifyAsync(Request(message, "x@forger.org"), CancellationToken.None);

        verdict.Dmarc.Result.ShouldBe(DmarcResult.Fail);
        verdict.Disposition.ShouldBe(DmarcPolicy.Reject);
        verdict.AuthenticationResults.ShouldContain("dkim=none");
        verdict.AuthenticationResults.ShouldContain("spf=fail smtp.mailfrom=x@forger.org");
    }

    [Fact]
    public async Task DNS_and_SPF_that_never_answer_end_at_the_time_budget_as_temperror()
    {
        var message = TestKeys.Bytes(TestKeys.Signed(TestKeys.Message(), TestKeys.Rsa.Private, "example.com", "sel"));
        var options = new MailAuthOptions { TotalTimeout = TimeSpan.FromMilliseconds(300) };
        options.Dkim.KeyLookupTimeout = TimeSpan.FromMinutes(5);
        options.Dmarc.LookupTimeout = TimeSpan.FromMinutes(5);

        var verdict = await new MessageAuthenticator(new SlowDnsResolver(), new FakeSpf(null), Suffixes, options)
            .VerifyAsync(Request(message), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        verdict.TimedOut.ShouldBeTrue();
        verdict.Spf.Result.ShouldBe(SpfResult.TempError);
        verdict.Dkim.Single().Result.ShouldBe(DkimResult.TempError);
        verdict.Dkim.Single().Domain.ShouldBe("example.com");
        verdict.Dmarc.Result.ShouldBe(DmarcResult.TempError);
        verdict.Disposition.ShouldBe(DmarcPolicy.None);
        verdict.AuthenticationResults.ShouldContain("dkim=temperror");
    }

    [Fact]
    public async Task Bytes_that_are_not_a_message_give_results_not_an_exception()
    {
        var dns = new FakeDnsResolver();

        var verdict = await new MessageAuthenticator(dns, new FakeSpf(SpfResult.None), Suffixes, new MailAuthOptions())
            .VerifyAsync(Request([0, 1, 2, 0xff, (byte)'\n', (byte)':', 0]), CancellationToken.None);

        verdict.Dkim.ShouldBeEmpty();
        verdict.Dmarc.Result.ShouldBe(DmarcResult.PermError);
    }

    [Fact]
    public async Task The_callers_cancellation_is_not_swallowed()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() =>
            new MessageAuthenticator(new SlowDnsResolver(), new FakeSpf(null), Suffixes, new MailAuthOptions())
                .VerifyAsync(Request(TestKeys.Bytes(TestKeys.Message())), cancelled.Token));
    }

    private static MeterListener Listen(List<(string, string)> counted)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == MailAuthMetrics.MeterName && instrument.Name == "interchange.mailauth.results")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? method = null, result = null;
            foreach (var tag in tags)
            {
                method = tag.Key == "method" ? (string?)tag.Value : method;
                result = tag.Key == "result" ? (string?)tag.Value : result;
            }

            lock (counted)
            {
                counted.Add((method!, result!));
            }
        });
        listener.Start();
        return listener;
    }
}
