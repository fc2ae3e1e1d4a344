namespace Interchange.Web.Api;

/// <summary>Limits of the admin API (<c>Web:Api</c> in the configuration).</summary>
public sealed class ApiOptions
{
    /// <summary>Items per page when a list request gives no <c>limit</c>.</summary>
    public int DefaultPageSize { get; set; } = 100;

    /// <summary>The largest <c>limit</c> a list request may ask for (a larger one is refused with 400).</summary>
    public int MaxPageSize { get; set; } = 1000;

    /// <summary>The largest JSON request body, in bytes (413 beyond it).</summary>
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>How many queued messages a queue listing reads at most before paging them.</summary>
    public int MaxQueueScan { get; set; } = 10_000;
}
