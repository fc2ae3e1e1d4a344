namespace Interchange.Transport.Bounces;

/// <summary>
/// What to do after a temporary failure: try again at <see cref="NextAttempt"/>, or, when
/// <see cref="Expired"/>, give up (bounce with <see cref="RetrySchedule.ExpiredStatus"/>; a DSN
/// is dropped and logged instead).
/// </summary>
public readonly record struct RetryDecision(bool Expired, DateTimeOffset NextAttempt, DateTimeOffset ExpiresAt);
