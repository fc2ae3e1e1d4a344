using System.Globalization;
using System.Text.RegularExpressions;
using Interchange.Core.Logging;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Filters;

/// <summary>
/// Files mail a scanner judged spam into the recipients' Junk folder: it runs after the milters
/// and reads the verdict fields a milter of ours added in this session (rspamd's
/// <c>X-Spamd-Result</c> and <c>X-Spam-Status</c>, SpamAssassin's <c>X-Spam-Status</c> and
/// <c>X-Spam-Score</c>, <c>X-Spam-Flag</c>/<c>X-Spam</c>); fields that came with the message are
/// the sender's word and are not read. A score at or over <see cref="SmtpOptions.SpamThreshold"/>
/// — or, without a score, a scanner's own "yes" — files the message; nothing is refused here (a
/// scanner that wants a refusal says so through its milter reply).
/// </summary>
public sealed partial class SpamThresholdFilter(double threshold, ILogger logger) : ISmtpFilter
{
    private readonly double _threshold = threshold;
    private readonly ILogger _logger = logger;

    public string Name => "spam threshold";

    public ISmtpFilterSession? Open(SmtpFilterConnection connection) => new Session(this, connection);

    /// <summary>The score and whether the scanner itself called it spam, from the fields filters added; null when none did.</summary>
    public static (double? Score, bool Flagged, string Field)? Read(IReadOnlyList<SmtpFilterHeader> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        double? score = null;
        var flagged = false;
        string? field = null;
        foreach (var header in headers)
        {
            if (header.IsReceived)
            {
                continue;
            }

            var value = header.Value.Trim();
            Match match;
            if (header.Is("X-Spamd-Result") && (match = RspamdResult().Match(value)).Success)
            {
                score ??= Number(match.Groups["score"].Value);
                flagged |= string.Equals(match.Groups["spam"].Value, "True", StringComparison.OrdinalIgnoreCase);
            }
            else if (header.Is("X-Spam-Status") && (match = SpamStatus().Match(value)).Success)
            {
                score ??= match.Groups["score"].Success ? Number(match.Groups["score"].Value) : null;
                flagged |= string.Equals(match.Groups["yes"].Value, "Yes", StringComparison.OrdinalIgnoreCase);
            }
            else if (header.Is("X-Spam-Score") && Number(value.Split(' ', 2)[0]) is { } number)
            {
                score ??= number;
            }
            else if (header.Is("X-Spam-Flag") || header.Is("X-Spam"))
            {
                flagged |= value.StartsWith("yes", StringComparison.OrdinalIgnoreCase);
            }
            else
            {
                continue;
            }

            field ??= header.Name;
        }

        return field is null ? null : (score, flagged, field);
    }

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    /// <summary>rspamd: <c>default: False [6.00 / 15.00];</c>.</summary>
    [GeneratedRegex(@"^default:\s*(?<spam>True|False)\s*\[\s*(?<score>-?\d+(\.\d+)?)", RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 100)]
    private static partial Regex RspamdResult();

    /// <summary>SpamAssassin and rspamd: <c>Yes, score=6.00 required=5.0 ...</c>.</summary>
    [GeneratedRegex(@"^(?<yes>Yes|No)\b(,\s*(score|hits)=(?<score>-?\d+(\.\d+)?))?", RegexOptions.IgnoreCase, matchTimeoutMilliseconds: 100)]
    private static partial Regex SpamStatus();

    private sealed class Session(SpamThresholdFilter filter, SmtpFilterConnection connection) : ISmtpFilterSession
    {
        public ValueTask<SmtpFilterVerdict> ConnectAsync(CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask<SmtpFilterVerdict> HeloAsync(string name, CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask<SmtpFilterVerdict> MailAsync(string sender, IReadOnlyList<string> parameters, CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask<SmtpFilterVerdict> RecipientAsync(string recipient, IReadOnlyList<string> parameters, CancellationToken cancellationToken) => ValueTask.FromResult(SmtpFilterVerdict.Continue);

        public ValueTask ResetAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public ValueTask<SmtpFilterVerdict> MessageAsync(SmtpFilterMessage message, CancellationToken cancellationToken)
        {
            if (Read(message.Headers) is { } verdict
                && (verdict.Score is { } score ? score >= filter._threshold : verdict.Flagged))
            {
                var reason = verdict.Score is { } s
                    ? string.Create(CultureInfo.InvariantCulture, $"spam score {s:0.##} at or over {filter._threshold:0.##} ({verdict.Field})")
                    : $"a scanner says spam ({verdict.Field})";
                message.FileAsJunk(reason);
                filter._logger.LogInformation("SMTP {Id} from {Client}: message from {From} filed as junk: {Reason}", connection.SessionId, connection.Client.Address, new LogText(message.Sender), reason);
            }

            return ValueTask.FromResult(SmtpFilterVerdict.Continue);
        }
    }
}
