using Interchange.Smtp.Client;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// One SMTP session's TLS as TLS reporting (RFC 8460 4) counts it: the recipient domain (the policy
/// domain), the policy that applied and its identity (MTA-STS id, or the TLSA records), the MX host
/// and address, the result, and for a failure its RFC 8460 4.3 result type. A session can succeed
/// for delivery and still carry a failure to report (an MTA-STS <c>testing</c> policy not met, TLSA
/// records none of which is usable, a policy that could not be fetched).
/// </summary>
public sealed record TlsSessionReport(
    string Domain,
    TlsPolicyKind Policy,
    string? PolicyId,
    string MxHost,
    string? Address,
    TlsSessionResult Result,
    SmtpTlsFailure? Failure,
    string Detail)
{
    public static string Name(TlsPolicyKind policy) => policy switch
    {
        TlsPolicyKind.None => "none",
        TlsPolicyKind.Opportunistic => "opportunistic",
        TlsPolicyKind.Required => "required",
        TlsPolicyKind.MtaSts => "mta-sts",
        TlsPolicyKind.MtaStsTesting => "mta-sts-testing",
        TlsPolicyKind.Dane => "dane",
        _ => policy.ToString().ToLowerInvariant(),
    };

    public static string Name(TlsSessionResult result) => result.ToString().ToLowerInvariant();

    /// <summary>RFC 8460 4.4 policy-type: "tlsa", "sts" or "no-policy-found".</summary>
    public string Rfc8460PolicyType => Policy switch
    {
        TlsPolicyKind.Dane => "tlsa",
        TlsPolicyKind.MtaSts or TlsPolicyKind.MtaStsTesting => "sts",
        _ => "no-policy-found",
    };

    /// <summary>The words of the delivery line: "tls=dane verified (DANE-EE 3 1 1 TLSv1.3)".</summary>
    public override string ToString()
    {
        var failure = Failure is { } f ? " " + f.Rfc8460Name() : string.Empty;
        return $"tls={Name(Policy)} {Name(Result)}{failure} ({Detail})";
    }
}
