using System.Net;
using System.Net.Sockets;
using System.Text;
using Interchange.MailAuth;
using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;
using Interchange.MailAuth.Dmarc;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.MailAuth;

/// <summary>Mail signed and sealed by dkimpy and OpenDKIM, keys served by dnsmasq, verified by ours.</summary>
public sealed class DkimVerificationTests(MailAuthPeers peers) : IClassFixture<MailAuthPeers>
{
    [Fact]
    public async Task A_dkimpy_RSA_2048_signature_passes_and_makes_DMARC_pass_aligned()
    {
        var signed = await peers.DkimpySignAsync(MailAuthPeers.Message(), "rsa");

        var verdict = await MailAuthPeers.VerifyAsync(peers.Authenticator(), signed);

        var dkim = verdict.Dkim.ShouldHaveSingleItem();
        dkim.Result.ShouldBe(DkimResult.Pass, dkim.Reason);
        dkim.Domain.ShouldBe(MailAuthPeers.Domain);
        dkim.Algorithm.ShouldBe("rsa-sha256");
        verdict.Dmarc.Result.ShouldBe(DmarcResult.Pass);
        verdict.Dmarc.DkimAligned.ShouldBeTrue();
        verdict.Disposition.ShouldBe(DmarcPolicy.None);
    }

    [Fact]
    public async Task A_dkimpy_Ed25519_signature_passes()
    {
        var signed = await peers.DkimpySignAsync(MailAuthPeers.Message(), "ed", ed25519: true);

        var dkim = (await MailAuthPeers.VerifyAsync(peers.Authenticator(), signed)).Dkim.ShouldHaveSingleItem();

        dkim.Result.ShouldBe(DkimResult.Pass, dkim.Reason);
        dkim.Algorithm.ShouldBe("ed25519-sha256");
    }

    [Fact]
    public async Task A_byte_changed_after_signing_fails_and_DMARC_rejects()
    {
        var signed = await peers.DkimpySignAsync(MailAuthPeers.Message(), "rsa");
        var text = Encoding.ASCII.GetString(signed);
        var changed = Encoding.ASCII.GetBytes(text.Replace("Hello Bob", "Hello Rob", StringComparison.Ordinal));
        changed.Length.ShouldBe(signed.Length);

        var verdict = await MailAuthPeers.VerifyAsync(peers.Authenticator(), changed);

        verdict.Dkim.Single().Result.ShouldBe(DkimResult.Fail);
        verdict.Dmarc.Result.ShouldBe(DmarcResult.Fail);
        verdict.Disposition.ShouldBe(DmarcPolicy.Reject);
    }

    [Theory]
    [InlineData("missing", "no key")]
    [InlineData("revoked", "revoked")]
    [InlineData("huge", "over the limit")]
    public async Task A_key_that_is_missing_revoked_or_huge_is_a_permerror(string selector, string reason)
    {
        var signed = await peers.DkimpySignAsync(MailAuthPeers.Message(), selector);

        var dkim = (await MailAuthPeers.VerifyAsync(peers.Authenticator(), signed)).Dkim.Single();

        dkim.Result.ShouldBe(DkimResult.PermError);
        dkim.Reason!.ShouldContain(reason);
    }

    [Fact]
    public async Task A_DNS_server_that_is_down_gives_temperror_for_DKIM_and_DMARC()
    {
        var signed = await peers.DkimpySignAsync(MailAuthPeers.Message(), "rsa");
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.62"), 0));
        var nobody = probe.LocalEndPoint!.ToString()!;
        probe.Close(); // the port is now closed: queries to it are refused (ICMP port unreachable)

        var verdict = await MailAuthPeers.VerifyAsync(peers.Authenticator(peers.Resolver(nobody)), signed).WaitAsync(TimeSpan.FromSeconds(60));

        verdict.Dkim.Single().Result.ShouldBe(DkimResult.TempError);
        verdict.Dmarc.Result.ShouldBe(DmarcResult.TempError);
        verdict.Disposition.ShouldBe(DmarcPolicy.None);
    }

    [Fact]
    public async Task A_DNS_server_that_never_answers_gives_temperror_within_the_time_budget()
    {
        var signed = await peers.DkimpySignAsync(MailAuthPeers.Message(), "rsa");
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.62"), 0)); // bound, reads nothing, answers nothing
        var options = new MailAuthOptions { TotalTimeout = TimeSpan.FromSeconds(10) };

        var verdict = await MailAuthPeers.VerifyAsync(peers.Authenticator(peers.Resolver(silent.LocalEndPoint!.ToString()), options), signed).WaitAsync(TimeSpan.FromSeconds(60));

        verdict.Dkim.Single().Result.ShouldBe(DkimResult.TempError);
        verdict.Dmarc.Result.ShouldBe(DmarcResult.TempError);
    }

    [Fact]
    public async Task An_OpenDKIM_signature_verifies_and_is_policy_for_its_rsa_sha1_unless_allowed()
    {
        // opendkim-testmsg signs with rsa-sha1 (it has no option for the algorithm); RFC 8301 3.1 says verifiers
        // must not accept that, so by default the result is policy. Allowing sha1 shows the signature itself verifies.
        var signed = await peers.OpenDkimSignAsync(MailAuthPeers.Message());
        Encoding.ASCII.GetString(signed).ShouldContain("a=rsa-sha1");
        var allowing = new MailAuthOptions();
        allowing.Dkim.AllowRsaSha1 = true;

        var strict = (await MailAuthPeers.VerifyAsync(peers.Authenticator(), signed)).Dkim.Single();
        var lenient = (await MailAuthPeers.VerifyAsync(peers.Authenticator(options: allowing), signed)).Dkim.Single();

        strict.Result.ShouldBe(DkimResult.Policy);
        lenient.Result.ShouldBe(DkimResult.Pass, lenient.Reason);
        lenient.Selector.ShouldBe("odk");
    }

    [Fact]
    public async Task A_dkimpy_ARC_seal_passes_and_a_tampered_body_fails_it()
    {
        var sealedMessage = await peers.DkimpyArcSealAsync(MailAuthPeers.Message());
        var tampered = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(sealedMessage).Replace("Hello Bob", "Hello Rob", StringComparison.Ordinal));

        var good = (await MailAuthPeers.VerifyAsync(peers.Authenticator(), sealedMessage)).Arc;
        var bad = (await MailAuthPeers.VerifyAsync(peers.Authenticator(), tampered)).Arc;

        good.Result.ShouldBe(ArcResult.Pass, good.Reason);
        good.Instances.ShouldBe(1);
        good.Domain.ShouldBe(MailAuthPeers.Forwarder);
        bad.Result.ShouldBe(ArcResult.Fail);
    }

    [Fact]
    public async Task Malformed_ARC_fields_fail_the_chain_without_an_exception()
    {
        var sealedMessage = Encoding.ASCII.GetString(await peers.DkimpyArcSealAsync(MailAuthPeers.Message()));
        string[] breakages =
        [
            sealedMessage.Replace("ARC-Seal: i=1", "ARC-Seal: i=x", StringComparison.Ordinal),
            sealedMessage.Replace("cv=none", "cv=maybe", StringComparison.Ordinal),
            "ARC-Seal: i=2; garbage\r\n" + sealedMessage,
            "ARC-Message-Signature: ;;;===\r\n" + sealedMessage,
        ];

        foreach (var broken in breakages)
        {
            var arc = (await MailAuthPeers.VerifyAsync(peers.Authenticator(), Encoding.ASCII.GetBytes(broken))).Arc;
            arc.Result.ShouldBe(ArcResult.Fail, broken[..60]);
        }
    }

    [Fact]
    public async Task Our_Authentication_Results_field_parses_with_python_authres_to_the_same_results()
    {
        var signed = await peers.DkimpySignAsync(MailAuthPeers.Message(), "rsa");
        var doubly = await peers.DkimpySignAsync(signed, "missing");
        var verdict = await MailAuthPeers.VerifyAsync(peers.Authenticator(), doubly);
        verdict.Dkim.Count.ShouldBe(2);

        var parsed = Encoding.UTF8.GetString(await peers.PythonAsync(
            """
            import sys, authres
            field = open(sys.argv[1], 'rb').read().decode('ascii')
            header = authres.AuthenticationResultsHeader.parse(field)
            lines = [header.authserv_id]
            for r in header.results:
                props = ' '.join(sorted(f'{p.type}.{p.name}={p.value}' for p in r.properties))
                lines.append(f'{r.method}={r.result} {props}'.strip())
            open(sys.argv[2], 'w').write('\n'.join(lines))
            """,
            Encoding.ASCII.GetBytes(verdict.AuthenticationResults))).Split('\n');

        string Props(DkimSignatureResult d) =>
            string.Join(' ', new[] { $"header.a={d.Algorithm}", $"header.b={d.SignaturePrefix}", $"header.d={d.Domain}", $"header.s={d.Selector}" }.Order(StringComparer.Ordinal));

        parsed.ShouldBe(
        [
            MailAuthPeers.AuthservId,
            $"dkim=permerror {Props(verdict.Dkim[0])}",
            $"dkim=pass {Props(verdict.Dkim[1])}",
            "spf=none smtp.mailfrom=bounce@other.test",
            "dmarc=pass header.from=example.test",
            "arc=none",
        ]);
        verdict.Dkim[0].Selector.ShouldBe("missing");
    }
}
