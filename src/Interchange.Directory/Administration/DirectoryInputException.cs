namespace Interchange.Directory.Administration;

/// <summary>An administrator's request that is malformed: a bad address, a weak password, a missing argument.</summary>
public sealed class DirectoryInputException(string message) : Exception(message);
