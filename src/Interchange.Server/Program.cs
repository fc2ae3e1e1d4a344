using Interchange.Server.Cli;

return await CommandLine.RunAsync(args).ConfigureAwait(false);
