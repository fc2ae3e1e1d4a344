using System.Security.Cryptography.X509Certificates;
using Interchange.Smtp.Client;
using Interchange.Transport.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// Transport security for mail out, by MX (docs/TLS-POLICY.md): per attempt, the domain's MTA-STS
/// policy (RFC 8461) and whether its MX answer is DNSSEC-validated (<see cref="ForDomainAsync"/>);
/// per MX host, DANE by its TLSA records (RFC 7672) when validated, else the MTA-STS policy, else
/// the route's own TLS (<see cref="ForHostAsync"/>); each session's outcome goes to the report sink
/// (<see cref="Record"/>: the log, the metric, later TLS-RPT). DANE takes precedence over MTA-STS
/// (RFC 8461 2): a host with usable validated TLSA records is judged by them alone. Thread-safe.
/// </summary>
public sealed class OutboundSecurity
{
    private readonly IDnsResolver _dns;
    private readonly MtaStsPolicySource? _mtaSts;
    private readonly bool _dane;
    private readonly X509Certificate2Collection? _anchors;
    private readonly ITlsReportSink _reports;
    private readonly ILogger _logger;

    /// <param name="mtaSts">Null: MTA-STS off.</param>
    /// <param name="dane">Apply DANE where the trusted resolver validated the answers (with no trusted resolver none ever is).</param>
    /// <param name="anchors">Extra trust anchors for the MX certificates under MTA-STS.</param>
    public OutboundSecurity(IDnsResolver dns, MtaStsPolicySource? mtaSts, bool dane, X509Certificate2Collection? anchors = null, ITlsReportSink? reports = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        _dns = dns;
        _mtaSts = mtaSts;
        _dane = dane;
        _anchors = anchors;
        _logger = logger ?? NullLogger.Instance;
        _reports = reports ?? new TlsReportLog(_logger);
    }

    /// <summary>
    /// The component as the host builds it: <paramref name="options"/>' MTA-STS and DANE settings,
    /// the CA file read, the policy cache under <paramref name="dataFolder"/>.
    /// </summary>
    public static OutboundSecurity Create(IDnsResolver dns, SmtpDeliveryOptions options, string? dataFolder, ILoggerFactory? loggers = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggers ??= NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger<OutboundSecurity>();
        var sts = options.MtaSts;
        X509Certificate2Collection? anchors = null;
        if (!string.IsNullOrWhiteSpace(sts.TrustedCaFile))
        {
            anchors = [];
            anchors.ImportFromPemFile(sts.TrustedCaFile);
        }

        MtaStsPolicySource? source = null;
        if (sts.Enabled)
        {
            var folder = string.IsNullOrWhiteSpace(sts.CacheFolder) ? null
                : Path.IsPathRooted(sts.CacheFolder) || dataFolder is null ? sts.CacheFolder : Path.Combine(dataFolder, sts.CacheFolder);
            var cache = new MtaStsPolicyCache(folder, clock, logger);
            source = new MtaStsPolicySource(dns, new MtaStsPolicyFetcher(dns, sts, anchors, clock), cache, sts, clock, logger);
        }

        return new OutboundSecurity(dns, source, options.Dane.Enabled, anchors, new TlsReportLog(logger), logger);
    }

    public MtaStsPolicySource? MtaSts => _mtaSts;

    /// <summary>What applies to mail for <paramref name="domain"/> delivered by MX to <paramref name="route"/>'s hosts.</summary>
    public async Task<DomainTlsPolicy> ForDomainAsync(string domain, DeliveryRoute route, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        ArgumentNullException.ThrowIfNull(route);
        var sts = _mtaSts is null ? MtaStsLookup.Disabled : await _mtaSts.GetAsync(domain, cancellationToken).ConfigureAwait(false);
        return new DomainTlsPolicy(domain, sts, _dane && route.Authenticated);
    }

    /// <summary>
    /// The policy for one host, given the route's client settings (<paramref name="baseMode"/>): DANE
    /// when the MX and the host's addresses are validated and its TLSA answer is too (RFC 7672 2.2);
    /// a TLSA lookup that fails makes the host unusable (2.2: it may be an attack hiding the records);
    /// else an MTA-STS policy in force (RFC 8461 4: enforce refuses a host that does not match); else
    /// the route's TLS.
    /// </summary>
    public async Task<HostTlsPolicy> ForHostAsync(DomainTlsPolicy domain, DeliveryTarget target, SmtpTlsMode baseMode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(target);
        var stsFailure = domain.MtaSts.Failure is { } f ? PeerCertificateVerdict.Invalid(f, domain.MtaSts.Detail) : null;
        if (domain.DaneEligible && target.Authenticated)
        {
            var name = $"_{target.Port}._tcp.{target.Host.TrimEnd('.')}";
            var tlsa = await _dns.GetTlsaAsync(name, cancellationToken).ConfigureAwait(false);
            if (tlsa.Outcome == DnsOutcome.TemporaryFailure)
            {
                return new HostTlsPolicy(domain, target, TlsPolicyKind.Dane)
                {
                    Refusal = PeerCertificateVerdict.Invalid(SmtpTlsFailure.DnssecInvalid, $"TLSA lookup of {name} failed: {tlsa.Reason}"),
                };
            }

            if (tlsa.IsFound && tlsa.Authenticated)
            {
                var usable = tlsa.Records.Where(Tlsa.IsUsable).ToList();
                if (usable.Count == 0)
                {
                    _logger.LogInformation("dane: {Name} has TLSA records but none usable for SMTP; TLS required without authentication", name);
                }

                return new HostTlsPolicy(domain, target, TlsPolicyKind.Dane)
                {
                    Tlsa = usable,
                    Noted = usable.Count == 0 ? PeerCertificateVerdict.Invalid(SmtpTlsFailure.TlsaInvalid, $"no TLSA record of {name} is usable ({string.Join(", ", tlsa.Records.Select(Tlsa.Describe))})") : null,
                };
            }
        }

        if (domain.MtaSts is { Applies: true, Policy: { } cached })
        {
            var matches = cached.Policy.MatchesMx(target.Host);
            if (cached.Policy.Mode == MtaStsMode.Enforce)
            {
                return new HostTlsPolicy(domain, target, TlsPolicyKind.MtaSts)
                {
                    Anchors = _anchors,
                    MatchesPolicy = matches,
                    Refusal = matches ? null : PeerCertificateVerdict.Invalid(SmtpTlsFailure.StsPolicyInvalid, $"{target.Host} is not an mx of the MTA-STS policy of {domain.Domain} ({string.Join(" ", cached.Policy.Mx)})"),
                    Noted = stsFailure,
                };
            }

            return new HostTlsPolicy(domain, target, TlsPolicyKind.MtaStsTesting) { Anchors = _anchors, MatchesPolicy = matches, Noted = stsFailure };
        }

        var kind = baseMode switch
        {
            SmtpTlsMode.None => TlsPolicyKind.None,
            SmtpTlsMode.May => TlsPolicyKind.Opportunistic,
            _ => TlsPolicyKind.Required,
        };
        return new HostTlsPolicy(domain, target, kind) { Noted = stsFailure };
    }

    /// <summary>Hands a session's report to the sink (log, metric, later TLS-RPT).</summary>
    public void Record(TlsSessionReport report) => _reports.Record(report);
}
