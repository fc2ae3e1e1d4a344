using System.Net;
using System.Net.Sockets;
using Interchange.Transport.Dns;

namespace Interchange.MailAuth.Spf;

/// <summary>SPF (RFC 7208) over <see cref="IDnsResolver"/>: <c>check_host()</c> with every mechanism,
/// modifier and macro, the processing limits of 4.6.4 and a time bound for the whole check. Thread-safe
/// and stateless between checks: keep one.</summary>
public sealed class SpfEvaluator : ISpfVerifier
{
    private readonly IDnsResolver _dns;
    private readonly SpfOptions _options;
    private readonly TimeProvider _time;

    public SpfEvaluator(IDnsResolver dns, SpfOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _dns = dns;
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    public Task<SpfOutcome> VerifyMailFromAsync(IPAddress client, string helo, string mailFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        helo ??= string.Empty;
        mailFrom ??= string.Empty;

        // 2.4: for the null reverse-path the MAIL FROM identity is postmaster@ the HELO name.
        var sender = mailFrom.Length == 0 ? "postmaster@" + helo : mailFrom;
        return CheckAsync("mailfrom", client, sender, helo, cancellationToken);
    }

    public Task<SpfOutcome> VerifyHeloAsync(IPAddress client, string helo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        helo ??= string.Empty;

        // 2.3: check_host(ip, helo, "postmaster@" helo); an address literal is not a domain, so 4.3 gives none.
        return CheckAsync("helo", client, "postmaster@" + helo, helo, cancellationToken);
    }

    /// <summary>check_host(ip, domain, sender) itself (RFC 7208 4.1) for a caller that picks its own identity.</summary>
    public Task<SpfOutcome> CheckHostAsync(IPAddress client, string domain, string sender, string helo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(sender);
        return RunAsync("mailfrom", client, domain, sender, helo ?? string.Empty, cancellationToken);
    }

    private Task<SpfOutcome> CheckAsync(string identity, IPAddress client, string sender, string helo, CancellationToken cancellationToken)
    {
        // The domain is what follows the last "@" (a quoted local-part may hold one); no "@" at all:
        // the whole is taken as the domain.
        var at = sender.LastIndexOf('@');
        var domain = at < 0 ? sender : sender[(at + 1)..];
        return RunAsync(identity, client, domain, sender, helo, cancellationToken);
    }

    private async Task<SpfOutcome> RunAsync(string identity, IPAddress client, string domain, string sender, string helo, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // An IPv4-mapped IPv6 client is the IPv4 host it maps (RFC 4291 2.5.5.2): ip4, A lookups and
        // %{i}/%{v} treat it as IPv4, as a dual-stack listener reports IPv4 peers this way.
        var ip = client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client;

        // 4.3: no local-part: "postmaster" stands in, in the sender and so in %{s} and %{l}.
        var at = sender.LastIndexOf('@');
        var localPart = at <= 0 ? "postmaster" : sender[..at];
        var normalized = at < 0 ? "postmaster@" + sender : localPart + "@" + sender[(at + 1)..];

        var check = new SpfCheck(_dns, _options, _time, ip, normalized, localPart, domain, helo, cancellationToken);
        try
        {
            var evaluation = await check.CheckHostAsync(domain, explain: true).ConfigureAwait(false);
            return new SpfOutcome(evaluation.Result, identity, domain, normalized, evaluation.Mechanism, evaluation.Explanation, evaluation.Problem);
        }
        catch (SpfTermination termination)
        {
            return new SpfOutcome(termination.Result, identity, domain, normalized, null, null, termination.Message);
        }
    }
}
