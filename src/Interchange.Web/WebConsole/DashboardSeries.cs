namespace Interchange.Web.WebConsole;

/// <summary>What the dashboard counts per hour, each from one instrument (meters <c>Interchange.*</c>).</summary>
public enum DashboardSeries
{
    /// <summary><c>interchange.messages.accepted</c>: messages in.</summary>
    Accepted,

    /// <summary><c>interchange.delivery.outcomes</c> with outcome <c>delivered</c>: messages out.</summary>
    Delivered,

    /// <summary><c>interchange.delivery.outcomes</c> with outcome <c>deferred</c>.</summary>
    Deferred,

    /// <summary><c>interchange.delivery.outcomes</c> with outcome <c>failed</c> (or <c>expired</c>).</summary>
    Failed,

    /// <summary><c>interchange.bounces.sent</c>: DSNs sent.</summary>
    Bounces,

    /// <summary><c>interchange.auth.failures</c>.</summary>
    AuthFailures,
}
