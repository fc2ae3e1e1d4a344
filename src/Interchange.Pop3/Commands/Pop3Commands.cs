using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>
/// Every POP3 command by name, and the answer to one given in the wrong state: before login,
/// "Not logged in yet"; after it, "Already logged in".
/// </summary>
internal static class Pop3Commands
{
    private static readonly Dictionary<string, Pop3Command> s_commands = new Pop3Command[]
    {
        new("CAPA", Pop3State.Any, CapaCommand.ExecuteAsync),
        new("QUIT", Pop3State.Any, QuitCommand.ExecuteAsync),
        new("NOOP", Pop3State.Transaction, NoopCommand.ExecuteAsync),
        new("STLS", Pop3State.Authorization, StlsCommand.ExecuteAsync),
        new("USER", Pop3State.Authorization, UserCommand.ExecuteAsync),
        new("PASS", Pop3State.Authorization, PassCommand.ExecuteAsync),
        new("AUTH", Pop3State.Authorization, AuthCommand.ExecuteAsync),
        new("STAT", Pop3State.Transaction, StatCommand.ExecuteAsync),
        new("LIST", Pop3State.Transaction, ListCommand.ExecuteAsync),
        new("UIDL", Pop3State.Transaction, UidlCommand.ExecuteAsync),
        new("RETR", Pop3State.Transaction, RetrCommand.ExecuteAsync),
        new("TOP", Pop3State.Transaction, TopCommand.ExecuteAsync),
        new("DELE", Pop3State.Transaction, DeleCommand.ExecuteAsync),
        new("RSET", Pop3State.Transaction, RsetCommand.ExecuteAsync),
    }.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);

    public static async ValueTask DispatchAsync(Pop3Session session, string line)
    {
        var space = line.IndexOf(' ');
        var name = space < 0 ? line : line[..space];
        var argument = space < 0 ? string.Empty : line[(space + 1)..];
        if (!s_commands.TryGetValue(name, out var command))
        {
            session.Error("Unknown command");
            return;
        }

        var state = session.InTransaction ? Pop3State.Transaction : Pop3State.Authorization;
        if ((command.ValidIn & state) == 0)
        {
            session.Error(session.InTransaction ? "Already logged in" : "Not logged in yet");
            return;
        }

        await command.ExecuteAsync(session, argument).ConfigureAwait(false);
    }
}
