namespace Interchange.MailAuth.Spf;

/// <summary>What one (possibly nested) check_host() returned.</summary>
internal readonly record struct SpfEvaluation(SpfResult Result, string? Mechanism, string? Explanation, string? Problem);
