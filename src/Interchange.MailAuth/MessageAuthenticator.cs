using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;
using Interchange.MailAuth.Dmarc;
using Interchange.MailAuth.Results;
using Interchange.MailAuth.Spf;
using Interchange.Transport.Dns;
using MimeKit;

namespace Interchange.MailAuth;

/// <summary>
/// Verifies a received message at the end of DATA: SPF (through <see cref="ISpfVerifier"/>), DKIM and ARC
/// at once, then DMARC from their results; writes the <c>Authentication-Results</c> field and counts
/// results in <see cref="MailAuthMetrics"/>. All within <see cref="MailAuthOptions.TotalTimeout"/>: a part
/// still running then is temperror (ARC: fail), so DNS trouble never hangs a session. Never throws except
/// for the caller's cancellation. One instance serves every session (its key cache is shared).
/// </summary>
public sealed class MessageAuthenticator
{
    private readonly ISpfVerifier _spf;
    private readonly MailAuthOptions _options;
    private readonly TimeProvider _time;
    private readonly DkimSignatureVerifier _dkim;
    private readonly ArcChainVerifier _arc;
    private readonly DmarcEvaluator _dmarc;

    /// <param name="dns">DNS for DKIM/ARC keys and DMARC records.</param>
    /// <param name="spf">The SPF verifier.</param>
    /// <param name="suffixes">The public suffix list (<see cref="PublicSuffixList.Load"/> of <see cref="DmarcOptions.PublicSuffixListPath"/>, once).</param>
    /// <param name="options">Limits.</param>
    /// <param name="time">The clock (tests: a manual one).</param>
    /// <param name="dmarcPercentile">DMARC pct= sampling draw, 0-99 (tests inject one).</param>
    public MessageAuthenticator(IDnsResolver dns, ISpfVerifier spf, PublicSuffixList suffixes, MailAuthOptions options, TimeProvider? time = null, Func<int>? dmarcPercentile = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(spf);
        ArgumentNullException.ThrowIfNull(suffixes);
        ArgumentNullException.ThrowIfNull(options);
        _spf = spf;
        _options = options;
        _time = time ?? TimeProvider.System;
        Keys = new DkimKeyCache(dns, options.Dkim, _time);
        _dkim = new DkimSignatureVerifier(Keys, options.Dkim, _time);
        _arc = new ArcChainVerifier(Keys, options.Dkim);
        _dmarc = new DmarcEvaluator(dns, suffixes, options.Dmarc, dmarcPercentile, _time);
    }

    /// <summary>The shared DKIM/ARC key cache.</summary>
    public DkimKeyCache Keys { get; }

    /// <summary>The key cache as MimeKit's key locator: the ARC sealer checks an earlier chain with the same keys inbound verification uses.</summary>
    public MimeKit.Cryptography.IDkimPublicKeyLocator KeyLocator => new CachedKeyLocator(Keys);

    public async Task<AuthenticationVerdict> VerifyAsync(AuthenticationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Message.CanRead || !request.Message.CanSeek)
        {
            // MimeKit reads the content back from the stream (persistent load) rather than holding a copy.
            throw new ArgumentException("the message stream must be readable and seekable", nameof(request));
        }

        var started = _time.GetTimestamp();
        using var deadline = new CancellationTokenSource(_options.TotalTimeout, _time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var token = budget.Token;
        var timedOut = false;

        var spfTask = BoundedAsync(() => _spf.VerifyMailFromAsync(request.ClientAddress, request.Helo, request.MailFrom, token), token);
        MimeMessage? message = null;
        try
        {
            request.Message.Position = 0;
            message = await MimeMessage.LoadAsync(ParserOptions.Default, request.Message, persistent: true, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is FormatException or OperationCanceledException or IOException)
        {
            timedOut |= e is OperationCanceledException;
        }

        message ??= new MimeMessage();

        // DKIM and ARC read the message's content streams, which are not safe to share: one after the other.
        var dkim = await BoundedAsync(() => _dkim.VerifyAsync(message, token), token).ConfigureAwait(false);
        var dkimResults = dkim.Value ?? TimedOutSignatures(message);
        var arc = await BoundedAsync(() => _arc.VerifyAsync(message, token), token).ConfigureAwait(false);
        var arcOutcome = arc.Value ?? new ArcOutcome(ArcResult.Fail, 0, null, null, "ARC verification timed out");
        var spf = await spfTask.ConfigureAwait(false);
        var spfOutcome = spf.Value ?? new SpfOutcome(SpfResult.TempError, "mailfrom", DomainOf(request.MailFrom, request.Helo), request.MailFrom, Problem: "SPF timed out");

        var dmarc = await BoundedAsync(() => _dmarc.EvaluateAsync(message, spfOutcome, dkimResults, token), token).ConfigureAwait(false);
        var dmarcOutcome = dmarc.Value ?? new DmarcOutcome(DmarcResult.TempError, DmarcEvaluator.AuthorDomain(message, out _), null, null, null, null, DmarcPolicy.None, false, false, "DMARC timed out");
        cancellationToken.ThrowIfCancellationRequested();
        timedOut |= spf.TimedOut || dkim.TimedOut || arc.TimedOut || dmarc.TimedOut;

        var field = AuthenticationResultsWriter.Write(request.AuthservId, spfOutcome, dkimResults, dmarcOutcome, arcOutcome);
        Count(spfOutcome, dkimResults, arcOutcome, dmarcOutcome);
        MailAuthMetrics.Duration.Record(_time.GetElapsedTime(started).TotalSeconds);
        return new AuthenticationVerdict(spfOutcome, dkimResults, arcOutcome, dmarcOutcome, field, dmarcOutcome.Disposition, timedOut);
    }

    // Runs one part; past the budget (the token), or if it throws, it has no value and the caller fills in temperror.
    // WaitAsync also frees us from a part that ignores the token.
    private async Task<(T? Value, bool TimedOut)> BoundedAsync<T>(Func<Task<T>> part, CancellationToken token)
        where T : class
    {
        if (token.IsCancellationRequested)
        {
            // The budget is spent: do not start a part that would read the message beside one still running.
            return (null, true);
        }

        try
        {
            return (await part().WaitAsync(token).ConfigureAwait(false), false);
        }
        catch (OperationCanceledException)
        {
            return (null, true);
        }
        catch (Exception)
        {
            // The parts do not throw by contract; one that does anyway (a bug, another helper's verifier) is an
            // error we cannot tell from a transient one, so it becomes temperror rather than an escaped exception.
            return (null, false);
        }
    }

    // Budget spent before DKIM finished: each signature is temperror (RFC 6376 6.1.2: the key could not be had in time).
    private static List<DkimSignatureResult> TimedOutSignatures(MimeMessage message) =>
        message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Select(h =>
        {
            var tags = Dkim.TagList.TryParse(h.Value, out var parsed, out _) ? parsed : null;
            return new DkimSignatureResult(DkimResult.TempError, tags?["d"], tags?["s"], tags?["i"], tags?["a"], null, "DKIM verification timed out");
        }).ToList();

    private static string DomainOf(string mailFrom, string helo)
    {
        var at = mailFrom.LastIndexOf('@');
        return at >= 0 ? mailFrom[(at + 1)..] : helo;
    }

    private static void Count(SpfOutcome spf, IReadOnlyList<DkimSignatureResult> dkim, ArcOutcome arc, DmarcOutcome dmarc)
    {
        MailAuthMetrics.Count("spf", AuthenticationResultsWriter.Word(spf.Result));
        if (dkim.Count == 0)
        {
            MailAuthMetrics.Count("dkim", "none");
        }

        foreach (var signature in dkim)
        {
            MailAuthMetrics.Count("dkim", AuthenticationResultsWriter.Word(signature.Result));
        }

        MailAuthMetrics.Count("arc", AuthenticationResultsWriter.Word(arc.Result));
        MailAuthMetrics.Count("dmarc", AuthenticationResultsWriter.Word(dmarc.Result));
        if (dmarc.Result == DmarcResult.Fail)
        {
            MailAuthMetrics.Dispositions.Add(1, new KeyValuePair<string, object?>("disposition", AuthenticationResultsWriter.Word(dmarc.Disposition)));
        }
    }
}
