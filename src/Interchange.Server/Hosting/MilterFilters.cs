using Interchange.Smtp;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Milter;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Interchange.Server.Hosting;

/// <summary>The milters of <c>Smtp:Milters</c> (bound with the rest of the configuration and
/// checked by <c>InterchangeOptions.Validate</c>) as SMTP filters, in configuration order, for the
/// SMTP server to consult after its own authentication filter.</summary>
public static class MilterFilters
{
    /// <summary>Adds one <see cref="ISmtpFilter"/> per milter, in order, after those already registered.</summary>
    public static void Register(IServiceCollection services, SmtpOptions smtp)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(smtp);
        if (smtp.Milters.Count == 0)
        {
            return;
        }

        services.AddSingleton(sp => Build(smtp, sp.GetRequiredService<ILoggerFactory>()));
        for (var i = 0; i < smtp.Milters.Count; i++)
        {
            var index = i;
            services.AddSingleton<ISmtpFilter>(sp => sp.GetRequiredService<IReadOnlyList<MilterFilter>>()[index]);
        }
    }

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
