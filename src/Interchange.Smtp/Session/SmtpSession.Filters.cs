using System.Net;
using Interchange.Core.Logging;
using Interchange.Mime.Parsing;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Protocol;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Session;

/// <summary>The session's side of the SMTP filters (<see cref="ISmtpFilter"/>): each stage asks the chain, and the end of DATA applies what the filters changed.</summary>
public sealed partial class SmtpSession
{
    private SmtpFilterChain? _filters;
    private bool _filterTransaction;

    /// <summary>TLS protocol and cipher after STARTTLS (for filters' macros); null otherwise.</summary>
    internal string? TlsProtocol { get; private set; }

    internal string? TlsCipher { get; private set; }

    /// <summary>The SASL mechanism of the login (milter macro <c>{auth_type}</c>); null before one.</summary>
    internal string? AuthenticationMechanism { get; set; }

    /// <summary>Opens the filters and asks them about the client before the greeting; false when one refused it (the refusal is sent and the session ends).</summary>
    private async ValueTask<bool> FilterConnectAsync()
    {
        if (_services.Filters.Count == 0)
        {
            return true;
        }

        _filters = SmtpFilterChain.Open(_services.Filters, new FilterView(this), Logger);
        if (_filters is null)
        {
            return true;
        }

        var verdict = await _filters.ConnectAsync(ConnectionClosed).ConfigureAwait(false);
        switch (verdict.Kind)
        {
            case SmtpFilterVerdictKind.Reject:
            case SmtpFilterVerdictKind.Discard:
                // RFC 5321 3.1: 554 instead of 220 when the server will not serve this client.
                await SendAndCloseAsync(new SmtpReply(554, "5.7.1", verdict.Reply?.Lines[0] ?? $"{HostName} Error: connection refused")).ConfigureAwait(false);
                return false;
            case SmtpFilterVerdictKind.TempFail:
                await SendAndCloseAsync(new SmtpReply(421, "4.7.0", $"{HostName} {verdict.Reply?.Lines[0] ?? "Error: try again later"}")).ConfigureAwait(false);
                return false;
            default:
                return true;
        }
    }

    /// <summary>The filters' refusal of HELO/EHLO <paramref name="name"/>, or null.</summary>
    internal async ValueTask<SmtpReply?> FilterHeloAsync(string name)
    {
        if (_filters is null)
        {
            return null;
        }

        await ResetFiltersAsync().ConfigureAwait(false);
        return Refusal(await _filters.HeloAsync(name, ConnectionClosed).ConfigureAwait(false));
    }

    /// <summary>The filters' refusal of MAIL FROM, or null; <paramref name="arguments"/> is the command's argument text.</summary>
    internal async ValueTask<SmtpReply?> FilterMailAsync(string sender, string arguments)
    {
        if (_filters is null)
        {
            return null;
        }

        await ResetFiltersAsync().ConfigureAwait(false);
        _filterTransaction = true;
        return Refusal(await _filters.MailAsync(sender, Parameters(arguments), ConnectionClosed).ConfigureAwait(false));
    }

    /// <summary>The filters' refusal of one RCPT TO, or null.</summary>
    internal async ValueTask<SmtpReply?> FilterRecipientAsync(string recipient, string arguments) =>
        _filters is null ? null : Refusal(await _filters.RecipientAsync(recipient, Parameters(arguments), ConnectionClosed).ConfigureAwait(false));

    /// <summary>
    /// Runs the filters over the complete message. When one refuses, the client is told and
    /// <see cref="FilteredMessage.Refused"/> is set; when they changed the content, the message
    /// is written again (the received content is dropped) and parsed again for its structure.
    /// </summary>
    private async ValueTask<FilteredMessage> FilterMessageAsync()
    {
        var t = Transaction;
        if (_filters is null || t.Content is not SpillingContentWriter content)
        {
            return FilteredMessage.Unchanged;
        }

        var message = await SmtpFilterMessage.ReadAsync(content.OpenWritten, t.MailFrom!.Address, t.Recipients.Select(r => r.Address), ConnectionClosed).ConfigureAwait(false);
        var verdict = await _filters.MessageAsync(message, ConnectionClosed).ConfigureAwait(false);
        _filterTransaction = false;
        await _filters.ResetAsync(ConnectionClosed).ConfigureAwait(false);
        switch (verdict.Kind)
        {
            case SmtpFilterVerdictKind.Reject:
            case SmtpFilterVerdictKind.TempFail:
                await RefuseFromFilterAsync("end of data", verdict.Reply!).ConfigureAwait(false);
                return FilteredMessage.Refusal;
            case SmtpFilterVerdictKind.Discard:
                Logger.LogInformation("SMTP {Id} from {Client}: a message from {From} was discarded by a filter", Id, Client, new LogText(t.MailFrom.ToString()));
                await ReplyAsync(new SmtpReply(250, "2.0.0", "Ok: discarded")).ConfigureAwait(false);
                return FilteredMessage.Refusal;
        }

        if (message.Recipients.Count == 0)
        {
            // Every recipient removed by a filter: nothing to queue, as Postfix discards it.
            Logger.LogInformation("SMTP {Id} from {Client}: filters removed every recipient of a message from {From}; discarded", Id, Client, new LogText(t.MailFrom.ToString()));
            await ReplyAsync(new SmtpReply(250, "2.0.0", "Ok: discarded")).ConfigureAwait(false);
            return FilteredMessage.Refusal;
        }

        IReadOnlyList<QueuedRecipient>? recipients = null;
        if (message.EnvelopeChanged)
        {
            // Recipients kept keep their DSN parameters; those a filter added have none.
            recipients = message.Recipients
                .Select(r => t.Recipients.FirstOrDefault(q => string.Equals(q.Address, r, StringComparison.OrdinalIgnoreCase)) ?? new QueuedRecipient(r))
                .ToList();
        }

        MessageStructure? structure = null;
        if (message.ContentChanged)
        {
            structure = await RewriteContentAsync(message).ConfigureAwait(false);
        }

        if (message.JunkReason is { } junk)
        {
            Logger.LogInformation("SMTP {Id} from {Client}: message from {From} filed as junk: {Reason}", Id, Client, new LogText(t.MailFrom.ToString()), new LogText(junk));
        }

        if (message.HoldReason is { } hold)
        {
            Logger.LogInformation("SMTP {Id} from {Client}: message from {From} held: {Reason}", Id, Client, new LogText(t.MailFrom.ToString()), new LogText(hold));
        }

        return new FilteredMessage(false, message.EnvelopeChanged ? message.Sender : null, recipients, structure, message.JunkReason is null ? null : "Junk", message.HoldReason);
    }

    /// <summary>Writes the message as the filters left it into new content, parsing it as it goes.</summary>
    private async ValueTask<MessageStructure> RewriteContentAsync(SmtpFilterMessage message)
    {
        var t = Transaction;
        var rewritten = _services.Acceptor.BeginMessage();
        var parser = new MimeParser();
        try
        {
            await using var source = message.OpenRead();
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await source.ReadAsync(buffer, ConnectionClosed).ConfigureAwait(false)) > 0)
            {
                parser.Feed(buffer.AsSpan(0, n));
                await rewritten.WriteAsync(buffer.AsMemory(0, n), ConnectionClosed).ConfigureAwait(false);
            }
        }
        catch
        {
            await rewritten.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var old = t.Content!;
        t.Content = rewritten;
        await old.DisposeAsync().ConfigureAwait(false);
        return parser.Complete();
    }

    /// <summary>A transaction the filters heard of ended without its message reaching them: they forget it.</summary>
    private async ValueTask ResetFiltersAsync()
    {
        if (_filterTransaction && _filters is not null)
        {
            _filterTransaction = false;
            await _filters.ResetAsync(ConnectionClosed).ConfigureAwait(false);
        }
    }

    private static SmtpReply? Refusal(SmtpFilterVerdict verdict) =>
        verdict.Kind is SmtpFilterVerdictKind.Reject or SmtpFilterVerdictKind.TempFail ? verdict.Reply : null;

    /// <summary>A filter's 421 (a milter's SMFIR_SHUTDOWN) closes the connection after it is sent (RFC 5321 3.8).</summary>
    internal async ValueTask RefuseFromFilterAsync(string command, SmtpReply reply)
    {
        if (reply.Code == 421)
        {
            RefusalLog.Write(this, command, reply);
            await SendAndCloseAsync(reply).ConfigureAwait(false);
            return;
        }

        await this.RefuseAsync(command, reply).ConfigureAwait(false);
    }

    /// <summary>The ESMTP parameters after the path: <c>&lt;a@b&gt; SIZE=10 BODY=8BITMIME</c> → [SIZE=10, BODY=8BITMIME].</summary>
    private static string[] Parameters(string arguments)
    {
        var close = arguments.IndexOf('>', StringComparison.Ordinal);
        var rest = close < 0 ? string.Empty : arguments[(close + 1)..];
        return rest.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>What the filters decided about a message.</summary>
    private sealed record FilteredMessage(bool Refused, string? Sender, IReadOnlyList<QueuedRecipient>? Recipients, MessageStructure? Structure, string? Folder, string? HoldReason)
    {
        public static FilteredMessage Unchanged { get; } = new(false, null, null, null, null, null);

        public static FilteredMessage Refusal { get; } = new(true, null, null, null, null, null);
    }

    /// <summary>The session as a filter sees it, read live at each stage.</summary>
    private sealed class FilterView(SmtpSession session) : SmtpFilterConnection
    {
        public override string Listener => session.ListenerName;

        public override string HostName => session.HostName;

        public override string SessionId => session.Id;

        public override IPEndPoint Client => new(session.Client, session._connection.ClientPort);

        public override IPEndPoint? Local => session._connection.Local;

        public override string? Helo => session.Helo;

        public override bool IsTls => session.IsTls;

        public override string? TlsProtocol => session.TlsProtocol;

        public override string? TlsCipher => session.TlsCipher;

        public override string? AuthenticatedUser => session.Authentication?.Context.Address;

        public override string? AuthenticationMechanism => session.Authentication is null ? null : session.AuthenticationMechanism;

        public override string? TransactionId => session.Transaction.MailFrom is null ? null : $"{session.Id}.{session.MessagesAccepted + 1}";
    }
}
