namespace Interchange.Directory.Import;

/// <summary>What an export wrote.</summary>
public sealed record ExportSummary(int Domains, int Users, int Aliases, int Groups);
