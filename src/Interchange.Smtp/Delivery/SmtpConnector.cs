using System.Runtime.CompilerServices;
using Interchange.MailAuth.Dkim;
using Interchange.Smtp.Client;
using Interchange.Smtp.Delivery.Security;
using Interchange.Smtp.Protocol;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;
using Interchange.Transport;
using Interchange.Transport.Connectors;
using Interchange.Transport.Dns;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Delivery;

/// <summary>
/// The <c>smtp</c> connector: delivers claimed batches (one message, one recipient domain) to the
/// domain's MX hosts or to the route's smart host, one transaction for all the batch's
/// recipients, with a reply per recipient.
/// <para>
/// Hosts are tried in the resolver's order (MX preference, equal preferences shuffled; RFC 5321
/// 5.1) until one takes the session: a refused or timed-out connection, a greeting that is not
/// 220 (a 5xx greeting too: RFC 5321 3.1, "no service here"), a failed EHLO, or a route that
/// requires TLS meeting a host without it all move on to the next host; once a transaction has
/// begun, its replies are final for this attempt (another host might have taken a message whose
/// last reply was lost: sending again is for the retry, not now). When opportunistic TLS fails in
/// the handshake, the same host is tried again in clear (RFC 7435 and Postfix's <c>may</c>);
/// never when the route requires TLS. Per destination, connections are limited and reused
/// (<see cref="DestinationLimiter"/>, <see cref="SmtpConnectionCache"/>).
/// </para>
/// <para>
/// By MX, <see cref="OutboundSecurity"/> (when given) sets each host's TLS: DANE, MTA-STS or the
/// route's (docs/TLS-POLICY.md); a host its policy rules out is not contacted, and a host that
/// fails the policy's TLS gets no MAIL. Each session's TLS outcome is reported and goes on the
/// delivery line.
/// </para>
/// </summary>
public sealed class SmtpConnector : ClaimingConnector, IAsyncDisposable
{
    private readonly IMessageContentStore _contents;
    private readonly MxResolver _mx;
    private readonly SmtpClientOptions _client;
    private readonly SmtpDeliveryOptions _delivery;
    private readonly DestinationLimiter _limiter;
    private readonly SmtpConnectionCache _cache;
    private readonly OutboundSecurity? _security;

    // The TLS report of each open session, for the delivery lines of messages sent over it again.
    private readonly ConditionalWeakTable<SmtpClientSession, TlsSessionReport> _tlsOf = [];
    private readonly OutboundSigner? _signer;

    public SmtpConnector(
        IQueueStore queue,
        IMessageContentStore contents,
        MxResolver mx,
        RoutingTable routes,
        QueueSignal deliveries,
        QueueSignal? failures,
        TransportOptions transport,
        SmtpDeliveryOptions delivery,
        string node,
        ILogger<SmtpConnector> logger,
        TimeProvider? clock = null,
        OutboundSecurity? security = null,
        OutboundSigner? signer = null)
        : base(RoutingTable.SmtpConnector, queue, routes, deliveries, failures, transport, new ClaimingOptions(delivery.Workers, delivery.Lease, node), logger, clock)
    {
        _contents = contents;
        _mx = mx;
        _client = delivery;
        _delivery = delivery;
        _limiter = new DestinationLimiter(delivery, clock);
        _cache = new SmtpConnectionCache(delivery, clock);
        _security = security;
        _signer = signer;
    }

    /// <summary>Per-destination concurrency (for tests and status).</summary>
    public DestinationLimiter Limiter => _limiter;

    /// <summary>Idle connections kept for reuse (for tests and status).</summary>
    public SmtpConnectionCache Connections => _cache;

    public ValueTask DisposeAsync() => _cache.DisposeAsync();

    protected override async Task<IReadOnlyList<AttemptResult>> DeliverAsync(DeliveryBatch batch, RouteDecision route, CancellationToken cancellationToken)
    {
        var results = new List<AttemptResult>(batch.Items.Count);
        var recipients = new List<(DeliveryItem Item, SmtpOutboundRecipient Recipient)>(batch.Items.Count);
        foreach (var item in batch.Items)
        {
            if (SmtpPath.TryParse($"<{item.Recipient}>", out var path, out var rest, out var error) && rest.Length == 0)
            {
                recipients.Add((item, new SmtpOutboundRecipient(path, item.Notify, item.OriginalRecipient)));
            }
            else
            {
                results.Add(AttemptResult.Failed(item, $"553 5.1.3 {item.Recipient} is not a valid address: {error}"));
            }
        }

        if (recipients.Count == 0)
        {
            return results;
        }

        SmtpOutboundEnvelope envelope;
        try
        {
            var env = batch.Envelope;
            envelope = SmtpOutboundEnvelope.From(env.MailFrom, recipients.Select(r => r.Recipient), env.BodyType, env.SmtpUtf8, env.EnvelopeId, env.Return);
        }
        catch (FormatException ex)
        {
            return [.. results, .. recipients.Select(r => AttemptResult.Failed(r.Item, $"553 5.1.7 the sender cannot be sent on: {ex.Message}"))];
        }

        var destination = route.SmartHost?.ToString() ?? batch.Domain;
        if (_limiter.DeadUntil(destination) is { } deadUntil)
        {
            // Not a try: looked at again when the destination may be tried (an administrator's
            // flush meanwhile waits that long at most), not at the schedule's next step.
            var reply = $"451 4.4.1 no host of {destination} could be reached recently; not tried again before {deadUntil:u}";
            return [.. results, .. recipients.Select(r => AttemptResult.Deferred(r.Item, reply) with { RetryAt = deadUntil })];
        }

        var targets = route.SmartHost is { } relay
            ? await _mx.ResolveSmartHostAsync(relay, cancellationToken).ConfigureAwait(false)
            : await _mx.ResolveAsync(batch.Domain, cancellationToken).ConfigureAwait(false);
        if (targets.Failure is { } failure)
        {
            var reply = $"{(failure.IsPermanent ? 550 : 451)} {failure.EnhancedStatus} {failure.Reason}";
            return [.. results, .. recipients.Select(r => failure.IsPermanent ? AttemptResult.Failed(r.Item, reply) : AttemptResult.Deferred(r.Item, reply))];
        }

        // MTA-STS and DANE are for delivery by MX (RFC 8461 4, RFC 7672 2.2); a smart host is the route's TLS alone.
        var security = route.SmartHost is null && _security is not null
            ? await _security.ForDomainAsync(batch.Domain, targets, cancellationToken).ConfigureAwait(false)
            : DomainTlsPolicy.None(batch.Domain);
        var cacheKey = $"{destination}|{route.Tls}|{security.CacheKey}";

        using var slot = await _limiter.AcquireAsync(destination, cancellationToken).ConfigureAwait(false);
        var (session, tls, refusal) = await OpenAsync(cacheKey, security, targets, OptionsFor(route), cancellationToken).ConfigureAwait(false);
        var tlsNote = tls?.ToString();
        if (session is null)
        {
            // Dead only when no host answered at all (the limiter's rule): a host that answered and
            // was refused for a reason of its own (no STARTTLS for a route that requires it, a 421
            // greeting, a TLS policy) is tried again on the schedule, and its reason stays the recorded one.
            var (reply, permanent, mta, answered) = refusal!.Value;
            _limiter.Failed(destination, dead: !permanent && !answered);
            return [.. results, .. recipients.Select(r => (permanent ? AttemptResult.Failed(r.Item, reply, mta) : AttemptResult.Deferred(r.Item, reply, mta)) with { Tls = tlsNote })];
        }

        _limiter.Succeeded(destination);
        var remoteMta = session.Target.HostName;
        var keep = false;
        try
        {
            SmtpDeliveryResult sent;
            using (var content = _contents.Open(batch.Blob))
            {
                sent = await session.SendAsync(envelope, content, SignerFor(batch), cancellationToken).ConfigureAwait(false);
            }

            keep = sent.ConnectionReusable;
            if (sent.Note is { } note)
            {
                Logger.LogInformation("smtp: message {Id} to {Target}: {Note}", batch.MessageId, session.Target, note);
            }

            var byRecipient = sent.Recipients.GroupBy(o => o.Recipient).ToDictionary(g => g.Key, g => g.First());
            foreach (var (item, recipient) in recipients)
            {
                if (!byRecipient.TryGetValue(recipient, out var outcome))
                {
                    results.Add(AttemptResult.Deferred(item, "451 4.3.0 the transaction gave no answer for this recipient", remoteMta) with { Tls = tlsNote });
                    continue;
                }

                var text = Flatten(outcome.Reply);
                results.Add(outcome.Kind switch
                {
                    SmtpOutcomeKind.Delivered => AttemptResult.Delivered(item, text, remoteMta),
                    SmtpOutcomeKind.Failed => AttemptResult.Failed(item, text, remoteMta),
                    _ => AttemptResult.Deferred(item, text, remoteMta),
                } with { Tls = tlsNote });
            }

            return results;
        }
        finally
        {
            if (keep)
            {
                _cache.Return(cacheKey, session);
            }
            else
            {
                await CloseAsync(session).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A reply on one line, as the queue keeps it: "550 5.1.1 text text".</summary>
    public static string Flatten(SmtpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var text = string.Join(" ", reply.Lines.Where(l => l.Length > 0));
        return reply.Enhanced is null ? $"{reply.Code} {text}" : $"{reply.Code} {reply.Enhanced} {text}";
    }

    /// <summary>
    /// DKIM (and an ARC seal when forwarded) for the bytes the session sends, after any 7-bit
    /// conversion. Forwarded: from outside (no authenticated submitter), not a report of our own,
    /// and sent on to an address the directory expanded a local one into (an alias or a group).
    /// </summary>
    private SmtpContentSigner? SignerFor(DeliveryBatch batch)
    {
        if (_signer is null)
        {
            return null;
        }

        var envelope = batch.Envelope;
        var forwarded = envelope.AuthenticatedUser is null && envelope.MailFrom.Length > 0
            && batch.Items.Any(i => !string.Equals(i.Original, i.Recipient, StringComparison.OrdinalIgnoreCase));
        var signer = _signer;
        return (content, ct) => signer.SignAsync(content, forwarded, ct);
    }

    private SmtpClientOptions OptionsFor(RouteDecision route)
    {
        var options = _client.Copy();
        if (route.Tls == TlsPolicy.Required && options.TlsMode is SmtpTlsMode.None or SmtpTlsMode.May)
        {
            options.TlsMode = SmtpTlsMode.Encrypt;
        }

        if (route.SmartHost is { } relay && _delivery.CredentialsFor(relay.ToString()) is { } login)
        {
            options.Credentials = new SmtpClientCredentials(login.UserName, login.Password);
        }

        return options;
    }

    /// <summary>
    /// A session with the first host that takes one: a cached connection checked with RSET, else
    /// each target's addresses in order, under the host's TLS policy. Null with the reason to record
    /// when none did; the reason is permanent only when every host refused permanently;
    /// <c>Answered</c> tells whether any host replied at all (a greeting, or past it; a host ruled
    /// out by its TLS policy counts as answered: it is not down). The TLS report is the session's,
    /// or the last TLS failure's.
    /// </summary>
    private async Task<(SmtpClientSession? Session, TlsSessionReport? Tls, (string Reply, bool Permanent, string? RemoteMta, bool Answered)? Refusal)> OpenAsync(
        string cacheKey, DomainTlsPolicy security, DeliveryRoute targets, SmtpClientOptions options, CancellationToken cancellationToken)
    {
        var domain = security.Domain;
        while (_cache.TryTake(cacheKey) is { } cached)
        {
            if (await cached.ResetAsync(cancellationToken).ConfigureAwait(false))
            {
                return (cached, _tlsOf.TryGetValue(cached, out var report) ? report : null, null);
            }

            await CloseAsync(cached).ConfigureAwait(false);
        }

        SmtpClientException? last = null;
        TlsSessionReport? lastTls = null;
        string? lastHost = null;
        var allPermanent = true;
        var answered = false;
        foreach (var target in targets.Targets)
        {
            var policy = _security is null ? null : await _security.ForHostAsync(security, target, options.TlsMode, cancellationToken).ConfigureAwait(false);
            if (policy?.Refusal is { } refusal)
            {
                // Not contacted: RFC 8461 4.1 (not an MX of an enforced policy), RFC 7672 2.2 (TLSA lookup failed).
                lastTls = policy.Refused();
                _security!.Record(lastTls);
                Logger.LogInformation("smtp: {Host} not used for {Domain}: {Reason}", target.Host, domain, refusal.Detail);
                var status = refusal.Failure == SmtpTlsFailure.DnssecInvalid ? "4.7.5" : "4.7.0";
                last = new SmtpClientException("policy", new SmtpReply(451, status, $"{target.Host}: {refusal.Detail}"), local: true, tlsFailure: refusal.Failure);
                lastHost = target.Host;
                allPermanent = false;
                answered = true;
                continue;
            }

            var hostOptions = policy?.Apply(options) ?? options;
            foreach (var address in target.Addresses)
            {
                var endpoint = new SmtpTarget(address, target.Port, target.Host);
                try
                {
                    var session = await ConnectAsync(endpoint, hostOptions, cancellationToken).ConfigureAwait(false);
                    if (LoopsBack(session, options))
                    {
                        await CloseAsync(session).ConfigureAwait(false);
                        return (null, null, ($"554 5.4.6 mail for {domain} loops back to myself ({target.Host} greets as {options.HeloName})", true, target.Host, true));
                    }

                    var report = policy?.Judge(session);
                    if (report is not null)
                    {
                        _security!.Record(report);
                        _tlsOf.AddOrUpdate(session, report);
                    }

                    return (session, report, null);
                }
                catch (SmtpClientException ex)
                {
                    Logger.LogInformation("smtp: {Target} not usable for {Domain}: {Reason}", endpoint, domain, ex.Message);
                    if (policy?.Judge(ex, address.ToString()) is { } report)
                    {
                        _security!.Record(report);
                        lastTls = report;
                    }

                    last = ex;
                    lastHost = target.Host;
                    allPermanent &= ex.Permanent;
                    answered |= ex.Stage != "connect" && !(ex.Stage == "greeting" && ex.Local); // a greeting that never came is no answer
                }
            }
        }

        var reply = last is null ? "451 4.4.1 no host to try" : Flatten(last.Reply);
        return (null, lastTls, (reply, last is not null && allPermanent, lastHost, answered));
    }

    /// <summary>Connects; an opportunistic handshake that fails is tried again in clear (RFC 7435 3), a required one never is.</summary>
    private async Task<SmtpClientSession> ConnectAsync(SmtpTarget target, SmtpClientOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await SmtpClientSession.ConnectAsync(target, options, Logger, cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpClientException ex) when (ex.TlsHandshakeFailed && options.TlsMode == SmtpTlsMode.May)
        {
            Logger.LogInformation("smtp: TLS with {Target} failed ({Reason}); trying again in clear, as opportunistic TLS allows", target, ex.Reply);
            var clear = options.Copy();
            clear.TlsMode = SmtpTlsMode.None;
            return await SmtpClientSession.ConnectAsync(target, clear, Logger, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>RFC 5321 5.1 (and Postfix's "loops back to myself"): the host we reached greets with our own name.</summary>
    private static bool LoopsBack(SmtpClientSession session, SmtpClientOptions options)
    {
        var first = session.Greeting is { Lines.Count: > 0 } greeting ? greeting.Lines[0] : string.Empty;
        var name = first.Split(' ', 2)[0];
        return name.Length > 0 && string.Equals(name.TrimEnd('.'), options.HeloName.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
    }

    private static Task CloseAsync(SmtpClientSession session) => SmtpConnectionCache.QuitAsync(session);
}
