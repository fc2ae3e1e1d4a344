using System.CommandLine;
using Interchange.Server.Hosting;

namespace Interchange.Server.Cli;

/// <summary>
/// The <c>interchange</c> command: <c>serve</c> runs the server; <c>domain</c>, <c>user</c>,
/// <c>alias</c> and <c>group</c> administer the directory, <c>route</c> the routing table, in the same data folder, also while
/// the server runs (it picks changes up from the store's change log).
/// </summary>
public static class CommandLine
{
    public static async Task<int> RunAsync(string[] args)
    {
        var data = new Option<string?>("--data", "-d")
        {
            Description = $"Data folder (default: ${DataFolder.EnvironmentVariable}, else ./data)",
            Recursive = true,
        };

        var config = new Option<string?>("--config", "-c")
        {
            Description = "Configuration file (default: DATA/interchange.json if present)",
            Recursive = true,
        };

        var root = new RootCommand("Interchange: an Exchange-style mail server (SMTP, IMAP, POP3, CalDAV) on .NET.");
        root.Options.Add(data);
        root.Options.Add(config);
        root.Subcommands.Add(ServeCommand(data, config));
        AdminCommands.Config = config;
        foreach (var command in AdminCommands.Build(data).Concat(RouteCommands.Build(data)).Concat(MailCommands.Build(data)).Concat(DkimCommands.Build(data)).Concat(TokenCommands.Build(data)).Concat(ImportCommands.Build(data)).Concat(LdapCommands.Build(data)))
        {
            root.Subcommands.Add(command);
        }

        // No response files: "@example.test" is the catch-all alias of a domain, not a file to expand.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"interchange: {error.Message}").ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync("Try 'interchange --help'.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // The host handles SIGTERM/SIGINT itself (bounded shutdown); the parser must not kill the process.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }

    private static Command ServeCommand(Option<string?> data, Option<string?> config)
    {
        var listen = new Option<string[]>("--listen", "-l")
        {
            Description = "PROTOCOL=HOST:PORT to listen on (repeatable; PROTOCOL: smtp, submission, submissions, imap, imaps, pop3, pop3s, http; HOST: IP, [IPv6], * or localhost; PORT 0 picks a free one; HOST:PORT 'none' disables)",
            AllowMultipleArgumentsPerToken = false,
            Arity = ArgumentArity.ZeroOrMore,
        };
        var serve = new Command("serve", "Run the server until SIGTERM or Ctrl+C.") { listen };
        serve.SetAction((result, cancellationToken) => ServerHost.RunAsync(
            new ServeArguments(result.GetValue(data), result.GetValue(config), result.GetValue(listen) ?? []),
            cancellationToken));
        return serve;
    }
}
