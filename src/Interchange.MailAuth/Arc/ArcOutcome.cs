namespace Interchange.MailAuth.Arc;

/// <summary>What ARC validation found.</summary>
/// <param name="Result">The chain status.</param>
/// <param name="Instances">How many ARC sets the message carries (the highest <c>i=</c>), 0 when none.</param>
/// <param name="OldestPass">RFC 8617 5.2 <c>oldest-pass</c>: the lowest instance whose ARC-Message-Signature
/// still verifies, when the chain passes and it is below the newest; null otherwise (or not computed).</param>
/// <param name="Domain">The sealing domain of the newest set (its ARC-Seal <c>d=</c>), or null.</param>
/// <param name="Reason">Why it failed, in words for logs; null unless failed.</param>
public sealed record ArcOutcome(ArcResult Result, int Instances, int? OldestPass, string? Domain, string? Reason = null);
