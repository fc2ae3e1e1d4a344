using Interchange.MailAuth.Dkim;
using Interchange.MailAuth.Spf;
using Interchange.Transport.Dns;
using MimeKit;

namespace Interchange.MailAuth.Dmarc;

/// <summary>
/// DMARC (RFC 7489): the author domain from the From field (6.6.1), the policy record at
/// <c>_dmarc.</c> that domain or else its organisational domain (6.6.3), identifier alignment of the SPF
/// and DKIM results (3.1), and the disposition after <c>pct=</c> (6.6.4). Never throws except for the
/// caller's cancellation.
/// </summary>
public sealed class DmarcEvaluator
{
    private readonly IDnsResolver _dns;
    private readonly PublicSuffixList _suffixes;
    private readonly DmarcOptions _options;
    private readonly Func<int> _percentile;
    private readonly TimeProvider _time;

    /// <param name="percentile">Draws a number 0-99 for <c>pct=</c> sampling; the policy applies when it is below pct.
    /// Default: <see cref="Random.Shared"/>. Tests inject a fixed one.</param>
    public DmarcEvaluator(IDnsResolver dns, PublicSuffixList suffixes, DmarcOptions options, Func<int>? percentile = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(suffixes);
        ArgumentNullException.ThrowIfNull(options);
        _dns = dns;
        _suffixes = suffixes;
        _options = options;
        _percentile = percentile ?? (() => Random.Shared.Next(100));
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Evaluates <paramref name="message"/> given the SPF result of the MAIL FROM identity (null if not
    /// checked) and the DKIM results.</summary>
    public async Task<DmarcOutcome> EvaluateAsync(MimeMessage message, SpfOutcome? spf, IReadOnlyList<DkimSignatureResult> dkim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(dkim);
        if (AuthorDomain(message, out var problem) is not { } from)
        {
            return new DmarcOutcome(DmarcResult.PermError, null, null, null, null, null, DmarcPolicy.None, false, false, problem);
        }

        var organization = _suffixes.GetOrganizationalDomain(from);
        var (lookup, record, recordDomain) = await DiscoverAsync(from, organization, cancellationToken).ConfigureAwait(false);
        if (lookup is not null)
        {
            return new DmarcOutcome(lookup.Value.Result, from, organization, null, null, null, DmarcPolicy.None, false, false, lookup.Value.Reason);
        }

        var spfAligned = spf is { Result: SpfResult.Pass } && Aligned(spf.Domain, from, record!.SpfAlignment);
        var dkimAligned = dkim.Any(d => d.Result == DkimResult.Pass && d.Domain is { } domain && Aligned(domain, from, record!.DkimAlignment));

        // 6.3 sp=: the policy for subdomains, when the record came from the organisational domain.
        var policy = !recordDomain!.Equals(from, StringComparison.OrdinalIgnoreCase) ? record!.SubdomainPolicy : record!.Policy;
        if (spfAligned || dkimAligned)
        {
            return new DmarcOutcome(DmarcResult.Pass, from, organization, recordDomain, record, policy, DmarcPolicy.None, spfAligned, dkimAligned);
        }

        // 6.6.4: a message not sampled by pct= gets the next less strict policy.
        var disposition = policy;
        if (record.Percent < 100 && _percentile() >= record.Percent)
        {
            disposition = policy == DmarcPolicy.Reject ? DmarcPolicy.Quarantine : DmarcPolicy.None;
        }

        return new DmarcOutcome(DmarcResult.Fail, from, organization, recordDomain, record, policy, disposition, false, false, "no aligned SPF or DKIM pass");
    }

    /// <summary>The author domain (6.6.1): exactly one From field, whose addresses all share one valid domain.
    /// RFC 5322 3.6 allows one From field; with several, or with authors of different domains, no single
    /// policy applies, so the result is permerror (the RFC lets a receiver reject such mail; the caller decides).</summary>
    internal static string? AuthorDomain(MimeMessage message, out string? problem)
    {
        problem = null;
        var fields = message.Headers.Where(h => h.Id == HeaderId.From).ToList();
        if (fields.Count != 1)
        {
            problem = fields.Count == 0 ? "no From field" : $"{fields.Count} From fields";
            return null;
        }

        if (!InternetAddressList.TryParse(ParserOptions.Default, fields[0].RawValue, out var list))
        {
            problem = "From field does not parse";
            return null;
        }

        var domains = list.Mailboxes.Select(m => m.Domain?.TrimEnd('.').ToLowerInvariant()).Distinct().ToList();
        if (domains.Count != 1 || !DomainNames.IsValid(domains[0]))
        {
            problem = domains.Count switch
            {
                0 => "From field has no address",
                1 => "From domain is not a domain name",
                _ => "From field has authors in several domains",
            };
            return null;
        }

        return domains[0];
    }

    private bool Aligned(string domain, string from, DmarcAlignment mode)
    {
        domain = domain.TrimEnd('.');
        return mode == DmarcAlignment.Strict
            ? domain.Equals(from, StringComparison.OrdinalIgnoreCase)
            : _suffixes.GetOrganizationalDomain(domain).Equals(_suffixes.GetOrganizationalDomain(from), StringComparison.OrdinalIgnoreCase);
    }

    private async Task<((DmarcResult Result, string Reason)? Stop, DmarcRecord? Record, string? Domain)> DiscoverAsync(string from, string organization, CancellationToken cancellationToken)
    {
        foreach (var domain in from.Equals(organization, StringComparison.OrdinalIgnoreCase) ? [from] : new[] { from, organization })
        {
            var (records, temporary) = await QueryAsync("_dmarc." + domain, cancellationToken).ConfigureAwait(false);
            if (temporary is not null)
            {
                return ((DmarcResult.TempError, temporary), null, null);
            }

            switch (records.Count)
            {
                case 0:
                    continue;
                case > 1:
                    // 6.6.3: several records end discovery; DMARC does not apply.
                    return ((DmarcResult.None, $"{records.Count} DMARC records at _dmarc.{domain}"), null, null);
            }

            if (DmarcRecord.Parse(records[0], out var problem) is { } record)
            {
                return (null, record, domain);
            }

            return ((DmarcResult.None, $"DMARC record at _dmarc.{domain} not usable: {problem}"), null, null);
        }

        return ((DmarcResult.None, "no DMARC record"), null, null);
    }

    private async Task<(List<string> Records, string? Temporary)> QueryAsync(string name, CancellationToken cancellationToken)
    {
        DnsLookup<string> txt;
        try
        {
            txt = await _dns.GetTxtAsync(name, cancellationToken).WaitAsync(_options.LookupTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return ([], e is TimeoutException ? $"{name}: lookup timed out" : $"{name}: {e.Message}");
        }

        return txt.Outcome switch
        {
            DnsOutcome.Found => (txt.Records.Where(r => r.Length <= _options.MaxRecordLength && DmarcRecord.IsDmarc(r)).ToList(), null),
            DnsOutcome.TemporaryFailure => ([], $"{name}: {txt.Reason}"),
            _ => ([], null),
        };
    }
}
