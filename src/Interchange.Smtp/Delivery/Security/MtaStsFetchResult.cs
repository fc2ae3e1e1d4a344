using Interchange.Smtp.Client;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>A policy fetched and parsed, or why not (an RFC 8460 4.3.2.2 type and words for the log).</summary>
public sealed record MtaStsFetchResult(MtaStsPolicy? Policy, SmtpTlsFailure? Failure, string Detail)
{
    public static MtaStsFetchResult Fetched(MtaStsPolicy policy) => new(policy, null, "fetched");

    public static MtaStsFetchResult Failed(SmtpTlsFailure failure, string detail) => new(null, failure, detail);
}
