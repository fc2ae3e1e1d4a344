namespace Interchange.MailAuth.Reports;

/// <summary>A DMARC aggregate report (RFC 7489 7.2, Appendix C <c>feedback</c>), the parts an operator reads.</summary>
/// <param name="OrganizationName">report_metadata/org_name: who sent the report.</param>
/// <param name="Email">report_metadata/email.</param>
/// <param name="ReportId">report_metadata/report_id.</param>
/// <param name="Begin">date_range/begin.</param>
/// <param name="End">date_range/end.</param>
/// <param name="Policy">policy_published.</param>
/// <param name="Records">One per source address and outcome.</param>
public sealed record DmarcAggregateReport(
    string OrganizationName,
    string Email,
    string ReportId,
    DateTimeOffset Begin,
    DateTimeOffset End,
    DmarcPublishedPolicy Policy,
    IReadOnlyList<DmarcReportRecord> Records);
