namespace Interchange.MailAuth.Spf;

/// <summary>What one SPF check found: the result, the identity it is about, and why.</summary>
/// <param name="Result">The result of <c>check_host()</c>.</param>
/// <param name="Identity">Which identity was checked: <c>mailfrom</c> or <c>helo</c> (RFC 8601 2.7.2 <c>smtp.mailfrom</c> / <c>smtp.helo</c>).</param>
/// <param name="Domain">The domain whose policy was evaluated (the MAIL FROM domain, or the HELO name).</param>
/// <param name="Sender">The sender as checked: the MAIL FROM address, or <c>postmaster@</c> the HELO name (RFC 7208 4.3).</param>
/// <param name="Mechanism">The mechanism that matched (e.g. <c>ip4:192.0.2.0/24</c>), or null.</param>
/// <param name="Explanation">For <see cref="SpfResult.Fail"/>: the expanded <c>exp=</c> text, if any (RFC 7208 6.2).</param>
/// <param name="Problem">For the error results: what went wrong, in words for logs (a loop, the 10-lookup limit, a DNS timeout).</param>
public sealed record SpfOutcome(
    SpfResult Result,
    string Identity,
    string Domain,
    string Sender,
    string? Mechanism = null,
    string? Explanation = null,
    string? Problem = null);
