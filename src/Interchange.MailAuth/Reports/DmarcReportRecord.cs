namespace Interchange.MailAuth.Reports;

/// <summary>One record row (Appendix C <c>RecordType</c>): a source address, how many messages, what was done, and the raw results.</summary>
/// <param name="SourceIp">row/source_ip.</param>
/// <param name="Count">row/count.</param>
/// <param name="Disposition">row/policy_evaluated/disposition: none, quarantine, reject.</param>
/// <param name="DkimEvaluated">row/policy_evaluated/dkim: the aligned DKIM result, pass or fail.</param>
/// <param name="SpfEvaluated">row/policy_evaluated/spf.</param>
/// <param name="HeaderFrom">identifiers/header_from.</param>
/// <param name="EnvelopeFrom">identifiers/envelope_from, when given.</param>
/// <param name="Dkim">auth_results/dkim: (domain, selector, result).</param>
/// <param name="Spf">auth_results/spf: (domain, scope, result).</param>
public sealed record DmarcReportRecord(
    string SourceIp,
    long Count,
    string Disposition,
    string? DkimEvaluated,
    string? SpfEvaluated,
    string HeaderFrom,
    string? EnvelopeFrom,
    IReadOnlyList<(string Domain, string? Selector, string Result)> Dkim,
    IReadOnlyList<(string Domain, string? Scope, string Result)> Spf);
