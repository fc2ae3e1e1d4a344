namespace Interchange.MailAuth.Reports;

/// <summary>policy_published: the record the reporter found (Appendix C <c>PolicyPublishedType</c>).</summary>
public sealed record DmarcPublishedPolicy(string Domain, string? Adkim, string? Aspf, string Policy, string? SubdomainPolicy, int? Percent);
