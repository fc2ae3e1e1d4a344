using Interchange.Smtp.Client;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// What MTA-STS says for a domain now: the policy to apply (null: none), and a discovery or fetch
/// failure met on the way (for TLS reporting, RFC 8460 4.3.2.2), with words for the log.
/// </summary>
public sealed record MtaStsLookup(CachedMtaStsPolicy? Policy, SmtpTlsFailure? Failure, string Detail)
{
    public static readonly MtaStsLookup Disabled = new(null, null, "MTA-STS off");

    /// <summary>The policy is in force (enforce or testing; a "none" policy is no policy, RFC 8461 5).</summary>
    public bool Applies => Policy is { Policy.Mode: not MtaStsMode.None };
}
