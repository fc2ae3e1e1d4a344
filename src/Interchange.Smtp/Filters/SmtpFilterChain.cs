using Interchange.Core.Logging;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Filters;

/// <summary>
/// The filters of one SMTP session, called in order at each stage. The first filter that refuses
/// decides the reply and the rest are not asked; a filter that accepted (SMFIR_ACCEPT) is not
/// asked again for the connection (at connect or HELO) or the transaction (later). A filter that
/// throws is logged and read as a temporary failure: a broken filter never loses a message and
/// never ends the session.
/// </summary>
internal sealed class SmtpFilterChain : IAsyncDisposable
{
    private readonly List<Entry> _entries;
    private readonly ILogger _logger;
    private readonly string _sessionId;

    private SmtpFilterChain(List<Entry> entries, ILogger logger, string sessionId)
    {
        _entries = entries;
        _logger = logger;
        _sessionId = sessionId;
    }

    /// <summary>The chain for a session, or null when no filter applies to it (the common case costs nothing).</summary>
    public static SmtpFilterChain? Open(IReadOnlyList<ISmtpFilter> filters, SmtpFilterConnection connection, ILogger logger)
    {
        List<Entry>? entries = null;
        foreach (var filter in filters)
        {
            if (filter.Open(connection) is { } session)
            {
                (entries ??= []).Add(new Entry(filter, session));
            }
        }

        return entries is null ? null : new SmtpFilterChain(entries, logger, connection.SessionId);
    }

    public ValueTask<SmtpFilterVerdict> ConnectAsync(CancellationToken cancellationToken) =>
        AskAsync("connect", session: true, (s, ct) => s.ConnectAsync(ct), cancellationToken);

    public ValueTask<SmtpFilterVerdict> HeloAsync(string name, CancellationToken cancellationToken) =>
        AskAsync("HELO", session: true, (s, ct) => s.HeloAsync(name, ct), cancellationToken);

    public ValueTask<SmtpFilterVerdict> MailAsync(string sender, IReadOnlyList<string> parameters, CancellationToken cancellationToken) =>
        AskAsync("MAIL", session: false, (s, ct) => s.MailAsync(sender, parameters, ct), cancellationToken);

    public ValueTask<SmtpFilterVerdict> RecipientAsync(string recipient, IReadOnlyList<string> parameters, CancellationToken cancellationToken) =>
        AskAsync("RCPT", session: false, (s, ct) => s.RecipientAsync(recipient, parameters, ct), cancellationToken);

    public ValueTask<SmtpFilterVerdict> MessageAsync(SmtpFilterMessage message, CancellationToken cancellationToken) =>
        AskAsync("end of data", session: false, (s, ct) => s.MessageAsync(message, ct), cancellationToken);

    /// <summary>The transaction ended: every filter forgets it, and those that accepted it are asked again next time.</summary>
    public async ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in _entries)
        {
            if (entry.DoneForSession)
            {
                continue;
            }

            entry.DoneForTransaction = false;
            try
            {
                await entry.Session.ResetAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "SMTP {Id}: filter {Filter} failed at reset", _sessionId, entry.Filter.Name);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var entry in _entries)
        {
            try
            {
                await entry.Session.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "SMTP {Id}: filter {Filter} failed to close", _sessionId, entry.Filter.Name);
            }
        }
    }

    private async ValueTask<SmtpFilterVerdict> AskAsync(string stage, bool session, Func<ISmtpFilterSession, CancellationToken, ValueTask<SmtpFilterVerdict>> ask, CancellationToken cancellationToken)
    {
        foreach (var entry in _entries)
        {
            if (entry.DoneForSession || entry.DoneForTransaction)
            {
                continue;
            }

            SmtpFilterVerdict verdict;
            try
            {
                verdict = await ask(entry.Session, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(ex, "SMTP {Id}: filter {Filter} failed at {Stage}; the client is told to try again later", _sessionId, entry.Filter.Name, stage);
                verdict = SmtpFilterVerdict.TempFail("Error: a message filter failed, try again later");
            }

            switch (verdict.Kind)
            {
                case SmtpFilterVerdictKind.Continue:
                    continue;
                case SmtpFilterVerdictKind.Accept:
                    if (session)
                    {
                        entry.DoneForSession = true;
                    }
                    else
                    {
                        entry.DoneForTransaction = true;
                    }

                    continue;
                default:
                    _logger.LogInformation(
                        "SMTP {Id}: filter {Filter} at {Stage}: {Verdict} {Reply}",
                        _sessionId,
                        entry.Filter.Name,
                        stage,
                        verdict.Kind,
                        new LogText(verdict.Reply?.ToString() ?? string.Empty));
                    return verdict;
            }
        }

        return SmtpFilterVerdict.Continue;
    }

    private sealed class Entry(ISmtpFilter filter, ISmtpFilterSession session)
    {
        public ISmtpFilter Filter { get; } = filter;

        public ISmtpFilterSession Session { get; } = session;

        public bool DoneForSession { get; set; }

        public bool DoneForTransaction { get; set; }
    }
}
