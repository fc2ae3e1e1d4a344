using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Interchange.Transport.Dns;

namespace Interchange.MailAuth.Spf;

/// <summary>One run of <c>check_host()</c> (RFC 7208 4) with its counters: the DNS-querying terms and void
/// lookups of 4.6.4 are counted over the whole run, includes and redirects too, so every loop ends
/// at the 11th term. Not thread-safe: one check, one flow.</summary>
internal sealed class SpfCheck
{
    private readonly IDnsResolver _dns;
    private readonly SpfOptions _options;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _deadline;
    private readonly CancellationToken _cancellation;
    private readonly IPAddress _ip;
    private readonly SpfMacroValues _values;
    private int _dnsTerms;
    private int _voidLookups;
    private List<string>? _validatedNames;

    public SpfCheck(IDnsResolver dns, SpfOptions options, TimeProvider time, IPAddress ip, string sender, string localPart, string senderDomain, string helo, CancellationToken cancellation)
    {
        _dns = dns;
        _options = options;
        _time = time;
        _deadline = time.GetUtcNow() + options.Timeout;
        _cancellation = cancellation;
        _ip = ip;
        var v6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
        _values = new SpfMacroValues(
            sender,
            localPart,
            senderDomain,
            v6 ? Nibbles(ip) : ip.ToString(),
            ip.ToString(),
            v6,
            helo,
            options.ReceiverName ?? "unknown",
            time.GetUtcNow());
    }

    /// <summary>check_host(ip, domain, sender): <paramref name="explain"/> is false inside include, whose
    /// exp= is never used (6.2).</summary>
    public async Task<SpfEvaluation> CheckHostAsync(string domain, bool explain)
    {
        // 4.3: a malformed domain, or one that does not exist, is "none".
        if (!SpfDomain.IsValidDomain(domain))
        {
            return new SpfEvaluation(SpfResult.None, null, null, $"'{domain}' is not a valid domain name (RFC 7208 4.3)");
        }

        domain = domain.TrimEnd('.');
        var txt = await LookupAsync(c => _dns.GetTxtAsync(domain, c)).ConfigureAwait(false);
        if (txt.Outcome == DnsOutcome.TemporaryFailure)
        {
            // 4.4: a DNS error other than NXDOMAIN is temperror.
            throw new SpfTermination(SpfResult.TempError, $"TXT lookup of {domain}: {txt.Reason}");
        }

        var records = txt.Records.Where(SpfRecord.IsSpfRecord).ToList();
        if (records.Count == 0)
        {
            return new SpfEvaluation(SpfResult.None, null, null, $"{domain} has no SPF record");
        }

        if (records.Count > 1)
        {
            // 4.5: more than one record is permerror.
            throw new SpfTermination(SpfResult.PermError, $"{domain} has {records.Count} SPF records (RFC 7208 4.5)");
        }

        var record = SpfRecord.Parse(records[0], out var error)
            ?? throw new SpfTermination(SpfResult.PermError, $"{domain}: {error}");

        foreach (var directive in record.Directives)
        {
            if (!await MatchesAsync(directive, domain).ConfigureAwait(false))
            {
                continue;
            }

            var explanation = directive.Qualifier == SpfResult.Fail && explain && record.Explanation is not null
                ? await ExplainAsync(record.Explanation, domain).ConfigureAwait(false)
                : null;
            return new SpfEvaluation(directive.Qualifier, directive.Text, explanation, null);
        }

        if (record.Redirect is not null)
        {
            // 6.1: redirect counts as a DNS-querying term; a target without a record is permerror; the
            // target's own exp= applies, the original's does not (6.2).
            CountDnsTerm("redirect");
            var target = await ExpandDomainAsync(record.Redirect, domain).ConfigureAwait(false);
            var inner = await CheckHostAsync(target, explain).ConfigureAwait(false);
            if (inner.Result == SpfResult.None)
            {
                throw new SpfTermination(SpfResult.PermError, $"redirect={target}: {inner.Problem} (RFC 7208 6.1)");
            }

            return inner;
        }

        // 4.7: no mechanism matched and no redirect: neutral.
        return new SpfEvaluation(SpfResult.Neutral, null, null, null);
    }

    private async Task<bool> MatchesAsync(SpfDirective directive, string domain)
    {
        switch (directive.Kind)
        {
            case SpfMechanismKind.All:
                return true;

            case SpfMechanismKind.Ip4:
            case SpfMechanismKind.Ip6:
                // 5.6: an ip6 mechanism never matches an IPv4 client, nor ip4 an IPv6 one.
                return directive.Network!.AddressFamily == _ip.AddressFamily
                    && InNetwork(_ip, directive.Network, _ip.AddressFamily == AddressFamily.InterNetwork ? directive.Prefix4 : directive.Prefix6);

            case SpfMechanismKind.Include:
            {
                CountDnsTerm(directive.Text);
                var target = await ExpandDomainAsync(directive.DomainSpec!, domain).ConfigureAwait(false);
                var inner = await CheckHostAsync(target, explain: false).ConfigureAwait(false);

                // 5.2: pass matches; fail, softfail and neutral do not; none is permerror; the errors propagate (thrown).
                return inner.Result switch
                {
                    SpfResult.Pass => true,
                    SpfResult.None => throw new SpfTermination(SpfResult.PermError, $"{directive.Text}: {inner.Problem} (RFC 7208 5.2)"),
                    _ => false,
                };
            }

            case SpfMechanismKind.A:
            {
                CountDnsTerm(directive.Text);
                var target = directive.DomainSpec is null ? domain : await ExpandDomainAsync(directive.DomainSpec, domain).ConfigureAwait(false);
                var addresses = await AddressesAsync(target, countVoid: true).ConfigureAwait(false);
                return addresses.Any(a => InNetwork(_ip, a, Prefix(directive)));
            }

            case SpfMechanismKind.Mx:
                return await MatchesMxAsync(directive, domain).ConfigureAwait(false);

            case SpfMechanismKind.Ptr:
            {
                CountDnsTerm(directive.Text);
                var target = directive.DomainSpec is null ? domain : await ExpandDomainAsync(directive.DomainSpec, domain).ConfigureAwait(false);
                var names = await ValidatedNamesAsync(countVoid: true).ConfigureAwait(false);
                return names.Any(name => IsSameOrSubdomain(name, target));
            }

            case SpfMechanismKind.Exists:
            {
                CountDnsTerm(directive.Text);
                var target = await ExpandDomainAsync(directive.DomainSpec!, domain).ConfigureAwait(false);

                // 5.7: an A query whatever the client's address family.
                var lookup = await QueryAddressesAsync(target, AddressFamily.InterNetwork).ConfigureAwait(false);
                if (lookup is null || !lookup.IsFound)
                {
                    CountVoid(target);
                    return false;
                }

                return true;
            }

            default:
                throw new InvalidOperationException($"mechanism {directive.Kind}");
        }
    }

    private async Task<bool> MatchesMxAsync(SpfDirective directive, string domain)
    {
        CountDnsTerm(directive.Text);
        var target = directive.DomainSpec is null ? domain : await ExpandDomainAsync(directive.DomainSpec, domain).ConfigureAwait(false);
        if (!SpfDomain.IsQueryable(target))
        {
            CountVoid(target);
            return false;
        }

        var mx = await LookupAsync(c => _dns.GetMxAsync(target, c)).ConfigureAwait(false);
        switch (mx.Outcome)
        {
            case DnsOutcome.TemporaryFailure:
                throw new SpfTermination(SpfResult.TempError, $"MX lookup of {target}: {mx.Reason}");
            case DnsOutcome.NoSuchDomain:
            case DnsOutcome.NoRecords:
                CountVoid(target);
                return false;
        }

        // 4.6.4: more than 10 MX names is permerror (checked before any address lookup).
        if (mx.Records.Count > _options.MaxMxNames)
        {
            throw new SpfTermination(SpfResult.PermError, string.Create(CultureInfo.InvariantCulture, $"{directive.Text}: {target} has {mx.Records.Count} MX names, more than {_options.MaxMxNames} (RFC 7208 4.6.4)"));
        }

        foreach (var exchange in mx.Records.OrderBy(r => r.Preference).Select(r => r.Exchange))
        {
            // A null MX (RFC 7505) names no host.
            if (exchange is "." or "")
            {
                continue;
            }

            var addresses = await AddressesAsync(exchange, countVoid: false).ConfigureAwait(false);
            if (addresses.Any(a => InNetwork(_ip, a, Prefix(directive))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A or AAAA records of <paramref name="host"/> in the client's family (5: "when ip is IPv4, A records").</summary>
    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(string host, bool countVoid)
    {
        var lookup = await QueryAddressesAsync(host, _ip.AddressFamily).ConfigureAwait(false);
        if (lookup is null || !lookup.IsFound)
        {
            if (countVoid)
            {
                CountVoid(host);
            }

            return [];
        }

        return lookup.Records;
    }

    /// <summary>Null when the name cannot be asked at all (an empty or over-long label after expansion): no such name.</summary>
    private async Task<DnsLookup<IPAddress>?> QueryAddressesAsync(string host, AddressFamily family)
    {
        if (!SpfDomain.IsQueryable(host))
        {
            return null;
        }

        var lookup = await LookupAsync(c => _dns.GetAddressesAsync(host, family, c)).ConfigureAwait(false);
        if (lookup.Outcome == DnsOutcome.TemporaryFailure)
        {
            // 5: a server failure or timeout during a mechanism's lookup ends the check with temperror.
            throw new SpfTermination(SpfResult.TempError, $"{(family == AddressFamily.InterNetwork ? "A" : "AAAA")} lookup of {host}: {lookup.Reason}");
        }

        return lookup;
    }

    /// <summary>5.5: the client's PTR names (the first 10) whose A/AAAA records include the client. A DNS
    /// error on the PTR query means no names; one on an address query skips that name.</summary>
    private async Task<List<string>> ValidatedNamesAsync(bool countVoid)
    {
        if (_validatedNames is not null)
        {
            return _validatedNames;
        }

        var validated = new List<string>();
        var ptr = await LookupAsync(c => _dns.GetPtrAsync(_ip, c)).ConfigureAwait(false);
        if (countVoid && ptr.Outcome is DnsOutcome.NoSuchDomain or DnsOutcome.NoRecords)
        {
            CountVoid(_ip.GetArpaName());
        }

        foreach (var name in ptr.Records.Take(_options.MaxPtrNames))
        {
            var host = name.TrimEnd('.');
            if (!SpfDomain.IsQueryable(host))
            {
                continue;
            }

            var addresses = await LookupAsync(c => _dns.GetAddressesAsync(host, _ip.AddressFamily, c)).ConfigureAwait(false);
            if (addresses.Records.Any(a => a.Equals(_ip)))
            {
                validated.Add(host);
            }
        }

        _validatedNames = validated;
        return validated;
    }

    /// <summary>%{p} (7.3): a validated name equal to the current domain, else one under it, else any; "unknown" when none.</summary>
    private async ValueTask<string> ValidatedNameMacroAsync(string domain)
    {
        var names = await ValidatedNamesAsync(countVoid: false).ConfigureAwait(false);
        return names.FirstOrDefault(n => n.Equals(domain, StringComparison.OrdinalIgnoreCase))
            ?? names.FirstOrDefault(n => IsSameOrSubdomain(n, domain))
            ?? names.FirstOrDefault()
            ?? "unknown";
    }

    /// <summary>6.2: the explanation; any trouble (DNS, no or several records, bad macros, non-ASCII) gives none.</summary>
    private async Task<string?> ExplainAsync(string spec, string domain)
    {
        try
        {
            var name = await ExpandDomainAsync(spec, domain).ConfigureAwait(false);
            if (!SpfDomain.IsQueryable(name))
            {
                return null;
            }

            var txt = await LookupAsync(c => _dns.GetTxtAsync(name, c)).ConfigureAwait(false);
            if (txt.Records.Count != 1)
            {
                return null;
            }

            var text = txt.Records[0];
            if (text.Any(c => c is < ' ' or > '~') || !SpfMacro.IsValid(text, explanation: true))
            {
                return null;
            }

            var expanded = await SpfMacro.ExpandAsync(text, _values, domain, explanation: true, () => ValidatedNameMacroAsync(domain)).ConfigureAwait(false);
            return expanded.Length <= _options.MaxExplanationLength ? expanded : null;
        }
        catch (SpfTermination)
        {
            // A timeout while fetching the explanation costs only the explanation, not the fail result.
            return null;
        }
    }

    private async Task<string> ExpandDomainAsync(string spec, string domain)
    {
        var expanded = await SpfMacro.ExpandAsync(spec, _values, domain, explanation: false, () => ValidatedNameMacroAsync(domain)).ConfigureAwait(false);
        return SpfDomain.Truncate(expanded);
    }

    private void CountDnsTerm(string term)
    {
        // 4.6.4: the 11th DNS-querying term is permerror; this also ends include and redirect loops.
        if (++_dnsTerms > _options.MaxDnsMechanisms)
        {
            throw new SpfTermination(SpfResult.PermError, string.Create(CultureInfo.InvariantCulture, $"'{term}' is DNS-querying term {_dnsTerms}, more than {_options.MaxDnsMechanisms} (RFC 7208 4.6.4)"));
        }
    }

    private void CountVoid(string name)
    {
        // 4.6.4: more than two lookups that found nothing (NXDOMAIN or no answers) is permerror.
        if (++_voidLookups > _options.MaxVoidLookups)
        {
            throw new SpfTermination(SpfResult.PermError, string.Create(CultureInfo.InvariantCulture, $"void lookup {_voidLookups} ({name}), more than {_options.MaxVoidLookups} (RFC 7208 4.6.4)"));
        }
    }

    /// <summary>One DNS query under the check's time bound; a resolver that hangs or overruns it is temperror.</summary>
    private async Task<DnsLookup<T>> LookupAsync<T>(Func<CancellationToken, Task<DnsLookup<T>>> query)
    {
        var left = _deadline - _time.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            throw new SpfTermination(SpfResult.TempError, string.Create(CultureInfo.InvariantCulture, $"the check took longer than {_options.Timeout.TotalSeconds:0.###} s (RFC 7208 4.6.4)"));
        }

        using var timer = new CancellationTokenSource(left, _time);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_cancellation, timer.Token);
        try
        {
            // WaitAsync: even a resolver that ignores its token cannot hold the check past the bound.
            return await query(bound.Token).WaitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_cancellation.IsCancellationRequested)
        {
            throw new SpfTermination(SpfResult.TempError, string.Create(CultureInfo.InvariantCulture, $"the check took longer than {_options.Timeout.TotalSeconds:0.###} s (RFC 7208 4.6.4)"));
        }
        catch (Exception e) when (e is not OperationCanceledException and not SpfTermination)
        {
            // IDnsResolver promises not to throw for DNS trouble; should one throw anyway, the answer is
            // unknown, which is what temperror says (2.6.6), and nothing escapes to the SMTP session.
            throw new SpfTermination(SpfResult.TempError, $"DNS lookup failed: {e.GetType().Name}: {e.Message}", e);
        }
    }

    private int Prefix(SpfDirective directive) => _ip.AddressFamily == AddressFamily.InterNetwork ? directive.Prefix4 : directive.Prefix6;

    private static bool IsSameOrSubdomain(string name, string domain) =>
        name.Equals(domain, StringComparison.OrdinalIgnoreCase) || name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

    internal static bool InNetwork(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        Span<byte> a = stackalloc byte[16];
        Span<byte> n = stackalloc byte[16];
        address.TryWriteBytes(a, out var length);
        network.TryWriteBytes(n, out _);
        var whole = Math.Min(prefix / 8, length);
        if (!a[..whole].SequenceEqual(n[..whole]))
        {
            return false;
        }

        var bits = prefix % 8;
        if (bits == 0 || whole >= length)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - bits));
        return (a[whole] & mask) == (n[whole] & mask);
    }

    /// <summary>%{i} of an IPv6 client (7.3): 32 lower-case nibbles separated by dots.</summary>
    private static string Nibbles(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var text = new StringBuilder(63);
        foreach (var b in bytes)
        {
            if (text.Length > 0)
            {
                text.Append('.');
            }

            text.Append("0123456789abcdef"[b >> 4]).Append('.').Append("0123456789abcdef"[b & 0xF]);
        }

        return text.ToString();
    }
}
