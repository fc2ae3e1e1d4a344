using Interchange.Smtp.Filters;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Milter;

/// <summary>
/// One milter (a Sendmail/Postfix mail filter: OpenDKIM, OpenDMARC, rspamd's proxy…) as an SMTP
/// filter: each SMTP connection it applies to gets its own connection to the milter, opened at the
/// connect stage and closed with the SMTP connection (libmilter expects one per client, which is
/// why Postfix does the same).
/// </summary>
public sealed class MilterFilter : ISmtpFilter
{
    private MilterFilter(MilterOptions options, MilterEndpoint endpoint, long maxMessageSize, ILogger logger, TimeProvider time)
    {
        Options = options;
        Endpoint = endpoint;
        MaxMessageSize = maxMessageSize;
        Logger = logger;
        Time = time;
    }

    public string Name => "milter " + Options.Name;

    public MilterOptions Options { get; }

    public MilterEndpoint Endpoint { get; }

    /// <summary>The largest message the server accepts: a milter's body replacement may not exceed it.</summary>
    public long MaxMessageSize { get; }

    internal ILogger Logger { get; }

    internal TimeProvider Time { get; }

    /// <summary>One filter per configured milter, in configuration order (the order they see a
    /// message in). Throws <see cref="ArgumentException"/> for settings that cannot work;
    /// <see cref="MilterOptions.Validate"/> reports them at start first.</summary>
    public static IReadOnlyList<MilterFilter> FromOptions(IEnumerable<MilterOptions> milters, long maxMessageSize, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(milters);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var logger = loggerFactory.CreateLogger("Interchange.Smtp.Milter");
        return milters.Select((m, i) => Create(m, maxMessageSize, logger, time, $"Smtp:Milters:{i}")).ToList();
    }

    public static MilterFilter Create(MilterOptions options, long maxMessageSize, ILogger logger, TimeProvider? time = null, string? describedAs = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.Validate(describedAs ?? options.Name) is { Count: > 0 } problems || !MilterEndpoint.TryParse(options.Socket, out var endpoint, out _))
        {
            throw new ArgumentException(string.Join("; ", options.Validate(describedAs ?? options.Name)), nameof(options));
        }

        return new MilterFilter(options, endpoint, Math.Max(maxMessageSize, 1), logger, time ?? TimeProvider.System);
    }

    public ISmtpFilterSession? Open(SmtpFilterConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Options.AppliesTo(connection.Listener) ? new MilterSession(this, connection) : null;
    }
}
