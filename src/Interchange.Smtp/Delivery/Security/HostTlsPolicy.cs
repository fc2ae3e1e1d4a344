using System.Security.Cryptography.X509Certificates;
using Interchange.Smtp.Client;
using Interchange.Transport.Dns;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// The TLS one MX host must give (made by <see cref="OutboundSecurity.ForHostAsync"/>): the policy,
/// a refusal when the host must not be used at all, the client settings that enforce it
/// (<see cref="Apply"/>), and the judgement of the session it led to (<see cref="Judge(SmtpClientSession)"/>).
/// </summary>
public sealed record HostTlsPolicy(DomainTlsPolicy Domain, DeliveryTarget Target, TlsPolicyKind Kind)
{
    /// <summary>Set when the host must not be tried (RFC 8460 type and words): not in an enforced MTA-STS policy, its TLSA lookup failed.</summary>
    public PeerCertificateVerdict? Refusal { get; init; }

    /// <summary>The usable TLSA records under <see cref="TlsPolicyKind.Dane"/>; empty when the host has TLSA records but none usable (TLS required, not authenticated: RFC 7672 2.2).</summary>
    public IReadOnlyList<DnsTlsaRecord> Tlsa { get; init; } = [];

    /// <summary>Extra anchors for the PKIX check of MTA-STS (a private CA); empty: the system's store only.</summary>
    public X509Certificate2Collection? Anchors { get; init; }

    /// <summary>Under MTA-STS, whether the host matches the policy's mx patterns (RFC 8461 4.1).</summary>
    public bool MatchesPolicy { get; init; } = true;

    /// <summary>A failure to report however the session goes (a policy that could not be fetched, TLSA records none usable).</summary>
    public PeerCertificateVerdict? Noted { get; init; }

    private string? PolicyId => Kind switch
    {
        TlsPolicyKind.Dane => Tlsa.Count > 0 ? string.Join(", ", Tlsa.Select(Security.Tlsa.Describe)) : "no usable TLSA",
        TlsPolicyKind.MtaSts or TlsPolicyKind.MtaStsTesting => Domain.MtaSts.Policy?.Id,
        _ => null,
    };

    /// <summary>The client's settings for this host: <paramref name="options"/> (the route's) tightened by the policy, never loosened.</summary>
    public SmtpClientOptions Apply(SmtpClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Copy();
        switch (Kind)
        {
            case TlsPolicyKind.Dane when Tlsa.Count > 0:
                copy.TlsMode = SmtpTlsMode.Verify;
                copy.PeerValidator = new DaneValidator(Tlsa);
                break;
            case TlsPolicyKind.Dane:
                // RFC 7672 2.2: TLSA records, none usable: TLS is still required, unauthenticated.
                copy.TlsMode = copy.TlsMode == SmtpTlsMode.Verify ? SmtpTlsMode.Verify : SmtpTlsMode.Encrypt;
                break;
            case TlsPolicyKind.MtaSts:
                copy.TlsMode = SmtpTlsMode.Verify;
                copy.TrustAnchors = Merge(copy.TrustAnchors, Anchors);
                break;
            case TlsPolicyKind.MtaStsTesting:
                copy.TrustAnchors = Merge(copy.TrustAnchors, Anchors);
                break;
        }

        return copy;
    }

    /// <summary>The report for a host refused before connecting.</summary>
    public TlsSessionReport Refused() =>
        Report(null, TlsSessionResult.Failed, Refusal?.Failure ?? SmtpTlsFailure.ValidationFailure, Refusal?.Detail ?? "refused by policy");

    /// <summary>The report for a session that was set up (so the policy was met, or not enforced).</summary>
    public TlsSessionReport Judge(SmtpClientSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var tls = session.Tls;
        var address = session.Target.Address.ToString();
        var result = tls.Level switch
        {
            SmtpTlsLevel.None => TlsSessionResult.Plain,
            SmtpTlsLevel.Verified => TlsSessionResult.Verified,
            _ => TlsSessionResult.Encrypted,
        };
        var how = tls.Level == SmtpTlsLevel.None ? "no STARTTLS" : $"{tls.Protocol}{(tls.VerifiedBy is { } by ? ", " + by : string.Empty)}";
        if (Kind == TlsPolicyKind.MtaStsTesting)
        {
            // RFC 8461 5: a testing policy is only reported; say what enforce would have refused.
            var failure = !MatchesPolicy
                ? PeerCertificateVerdict.Invalid(SmtpTlsFailure.StsPolicyInvalid, $"{Target.Host} is not an mx of the policy")
                : tls.Level == SmtpTlsLevel.None ? PeerCertificateVerdict.Invalid(SmtpTlsFailure.StarttlsNotSupported, "no TLS")
                : tls.Unverified;
            if (failure is not null)
            {
                return Report(address, result, failure.Failure, $"{how}; enforce would refuse: {failure.Detail}");
            }
        }

        if (Kind == TlsPolicyKind.Opportunistic && tls.Unverified is { } unverified && Noted is null)
        {
            how += $"; certificate not verified: {unverified.Detail}";
        }

        return Noted is { } noted
            ? Report(address, result, noted.Failure, $"{how}; {noted.Detail}")
            : Report(address, result, null, how);
    }

    /// <summary>The report for a session that could not be set up for a TLS reason (null: not a TLS matter, such as a refused connection).</summary>
    public TlsSessionReport? Judge(SmtpClientException failure, string address)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.TlsFailure is { } type
            ? Report(address, TlsSessionResult.Failed, type, failure.Reply.Lines.Count > 0 ? string.Join(" ", failure.Reply.Lines) : failure.Message)
            : null;
    }

    private TlsSessionReport Report(string? address, TlsSessionResult result, SmtpTlsFailure? failure, string detail) =>
        new(Domain.Domain, Kind, PolicyId, Target.Host, address, result, failure, detail);

    private static X509Certificate2Collection? Merge(X509Certificate2Collection? first, X509Certificate2Collection? second)
    {
        if (second is not { Count: > 0 })
        {
            return first;
        }

        if (first is not { Count: > 0 })
        {
            return second;
        }

        var merged = new X509Certificate2Collection(first);
        merged.AddRange(second);
        return merged;
    }
}
