using System.Text;
using Interchange.Core.Logging;
using Interchange.MailAuth;
using Interchange.MailAuth.Dmarc;
using Interchange.MailAuth.Results;
using Interchange.MailAuth.Spf;
using Interchange.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Filters;

/// <summary>
/// The built-in filter that judges mail received on port 25: SPF, DKIM, ARC and DMARC through
/// <see cref="MessageAuthenticator"/>, one <c>Authentication-Results</c> field with our
/// authserv-id put after our Received field, every field from outside claiming that id removed
/// first (RFC 8601 5), and the policy: DMARC <c>reject</c> refuses at the end of DATA (or files
/// as junk, if so configured), <c>quarantine</c> files as junk; an SPF fail alone does nothing
/// unless configured. Clients that logged in, or relay from <c>Smtp:RelayNetworks</c>, are ours:
/// their mail is not judged, but forged fields are still removed.
/// </summary>
public sealed class AuthenticationFilter : ISmtpFilter
{
    private readonly MessageAuthenticator _authenticator;
    private readonly SmtpAuthenticationOptions _options;
    private readonly Func<System.Net.IPAddress, bool> _isRelayClient;
    private readonly ILogger _logger;

    public AuthenticationFilter(MessageAuthenticator authenticator, SmtpAuthenticationOptions options, Func<System.Net.IPAddress, bool> isRelayClient, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(authenticator);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(isRelayClient);
        ArgumentNullException.ThrowIfNull(logger);
        _authenticator = authenticator;
        _options = options;
        _isRelayClient = isRelayClient;
        _logger = logger;
    }

    public string Name => "authentication";

    public ISmtpFilterSession? Open(SmtpFilterConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return _options.Enabled && connection.Listener == "smtp" ? new Session(this, connection) : null;
    }

    private sealed class Session(AuthenticationFilter filter, SmtpFilterConnection connection) : ISmtpFilterSession
    {
        private string AuthservId => filter._options.AuthservId ?? connection.HostName;

        public ValueTask<SmtpFilterVerdict> ConnectAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask<SmtpFilterVerdict> HeloAsync(string name, CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask<SmtpFilterVerdict> MailAsync(string sender, IReadOnlyList<string> parameters, CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask<SmtpFilterVerdict> RecipientAsync(string recipient, IReadOnlyList<string> parameters, CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask ResetAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public async ValueTask<SmtpFilterVerdict> MessageAsync(SmtpFilterMessage message, CancellationToken cancellationToken)
        {
            RemoveForged(message);
            if (connection.AuthenticatedUser is not null || filter._isRelayClient(connection.Client.Address))
            {
                return SmtpFilterVerdict.Continue;
            }

            AuthenticationVerdict verdict;
            await using (var content = message.OpenRead())
            {
                verdict = await filter._authenticator.VerifyAsync(
                    new AuthenticationRequest(connection.Client.Address, connection.Helo ?? string.Empty, message.Sender, content, AuthservId),
                    cancellationToken).ConfigureAwait(false);
            }

            var field = verdict.AuthenticationResults;
            var colon = field.IndexOf(':', StringComparison.Ordinal);
            // After our Received field, the first: trace fields are prepended in the order they are added (RFC 5321 4.4).
            message.InsertHeader(1, new SmtpFilterHeader(field[..colon], Encoding.UTF8.GetBytes(field[(colon + 1)..])));

            var from = verdict.Dmarc.FromDomain ?? "(none)";
            switch (verdict.Disposition)
            {
                case DmarcPolicy.Reject when filter._options.DmarcReject == DmarcRejectAction.Reject:
                    Log(message, "rejected", $"DMARC policy of {from} is reject: {verdict.Dmarc.Reason}");
                    return new SmtpFilterVerdict(SmtpFilterVerdictKind.Reject, new SmtpReply(550, "5.7.1", $"Message rejected: DMARC policy of {from} (dmarc=fail)"));
                case DmarcPolicy.Reject:
                case DmarcPolicy.Quarantine:
                    message.FileAsJunk($"DMARC policy of {from} is {verdict.Disposition.ToString().ToLowerInvariant()}");
                    Log(message, "filed as junk", $"DMARC policy of {from} is {verdict.Disposition.ToString().ToLowerInvariant()}: {verdict.Dmarc.Reason}");
                    return SmtpFilterVerdict.Continue;
            }

            if (verdict.Spf.Result == SpfResult.Fail)
            {
                switch (filter._options.SpfFail)
                {
                    case SpfFailAction.Reject:
                        Log(message, "rejected", $"SPF fail for {verdict.Spf.Domain}");
                        // RFC 7372 3.2: 5.7.23, SPF validation failed.
                        return new SmtpFilterVerdict(SmtpFilterVerdictKind.Reject, new SmtpReply(550, "5.7.23", $"Message rejected: SPF of {verdict.Spf.Domain} does not allow {connection.Client.Address} ({verdict.Spf.Explanation ?? "spf=fail"})"));
                    case SpfFailAction.Junk:
                        message.FileAsJunk($"SPF fail for {verdict.Spf.Domain}");
                        break;
                }
            }

            return SmtpFilterVerdict.Continue;
        }

        /// <summary>RFC 8601 5: fields that claim our authserv-id did not come from us; they go before we add ours.</summary>
        private void RemoveForged(SmtpFilterMessage message)
        {
            for (var i = message.Headers.Count - 1; i >= 0; i--)
            {
                var header = message.Headers[i];
                if (header.Is("Authentication-Results")
                    && AuthenticationResultsScanner.ReadAuthservId(header.Value) is { } id
                    && string.Equals(id, AuthservId, StringComparison.OrdinalIgnoreCase))
                {
                    message.RemoveHeaderAt(i);
                    filter._logger.LogInformation("SMTP {Id} from {Client}: removed an Authentication-Results field claiming our id {AuthservId}", connection.SessionId, connection.Client.Address, AuthservId);
                }
            }
        }

        private void Log(SmtpFilterMessage message, string what, string reason) =>
            filter._logger.LogInformation(
                "SMTP {Id} from {Client}: message from {From} {What}: {Reason}",
                connection.SessionId,
                connection.Client.Address,
                new LogText(message.Sender),
                what,
                new LogText(reason));
    }
}
