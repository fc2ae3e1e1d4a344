namespace Interchange.Server.Configuration;

/// <summary>A setting that cannot be used; the message names it.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
