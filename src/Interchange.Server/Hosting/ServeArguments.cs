namespace Interchange.Server.Hosting;

/// <summary>What <c>interchange serve</c> was given on the command line.</summary>
public sealed record ServeArguments(string? Data, string? Config, IReadOnlyList<string> Listen);
