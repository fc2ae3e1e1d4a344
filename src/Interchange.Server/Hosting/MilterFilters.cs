using Interchange.Smtp;
using Interchange.Smtp.Milter;
using Microsoft.Extensions.Logging;

namespace Interchange.Server.Hosting;

/// <summary>The milters of <c>Smtp:Milters</c> (bound with the rest of the configuration and
/// checked by <c>InterchangeOptions.Validate</c>) as SMTP filters, in configuration order, for the
/// SMTP server to consult after its own authentication filter.</summary>
public static class MilterFilters
{
    public static IReadOnlyList<MilterFilter> Build(SmtpOptions smtp, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(smtp);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        var filters = MilterFilter.FromOptions(smtp.Milters, smtp.MaxMessageSize, loggerFactory, time);
        var logger = loggerFactory.CreateLogger("Interchange.Smtp.Milter");
        foreach (var filter in filters)
        {
            logger.LogInformation(
                "Milter {Milter} at {Socket} for {Listeners}, default action {Action}",
                filter.Options.Name,
                filter.Endpoint,
                filter.Options.Listeners.Length == 0 ? "all listeners" : string.Join(", ", filter.Options.Listeners),
                filter.Options.DefaultAction.ToString().ToLowerInvariant());
        }

        return filters;
    }
}
