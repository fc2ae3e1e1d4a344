namespace Interchange.Web.Autoconfig;

/// <summary>One record to publish: its type, the zone-file line, and why it is there.</summary>
public sealed record PublishedRecord(string Type, string ZoneLine, string Purpose);
