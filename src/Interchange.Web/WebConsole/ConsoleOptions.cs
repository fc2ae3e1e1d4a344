namespace Interchange.Web.WebConsole;

/// <summary>The web console's limits (<c>Web:Console</c> in the configuration).</summary>
public sealed class ConsoleOptions
{
    /// <summary>Largest file an import takes (bytes).</summary>
    public long MaxImportBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Largest ordinary form post (bytes): every form but the import's.</summary>
    public long MaxFormBytes { get; set; } = 256 * 1024;

    /// <summary>Rows per page of the directory lists.</summary>
    public int PageSize { get; set; } = 50;

    /// <summary>Most queued messages the queue page lists (oldest first).</summary>
    public int QueueRows { get; set; } = 200;

    /// <summary>Most line-numbered errors an import keeps for its report.</summary>
    public int MaxImportErrors { get; set; } = 1000;
}
