using Interchange.Smtp.Commands;

namespace Interchange.Smtp.Session;

/// <summary>Dispatches a verb to its command (one file each in <c>Commands/</c>).</summary>
internal static class SmtpCommands
{
    private static readonly Dictionary<string, Func<SmtpSession, string, ValueTask<bool>>> s_commands = new(StringComparer.OrdinalIgnoreCase)
    {
        ["EHLO"] = HelloCommand.EhloAsync,
        ["HELO"] = HelloCommand.HeloAsync,
        ["STARTTLS"] = StartTlsCommand.ExecuteAsync,
        ["AUTH"] = AuthCommand.ExecuteAsync,
        ["MAIL"] = MailCommand.ExecuteAsync,
        ["RCPT"] = RcptCommand.ExecuteAsync,
        ["DATA"] = DataCommand.ExecuteAsync,
        ["BDAT"] = BdatCommand.ExecuteAsync,
        ["RSET"] = SimpleCommands.RsetAsync,
        ["NOOP"] = SimpleCommands.NoopAsync,
        ["QUIT"] = SimpleCommands.QuitAsync,
        ["VRFY"] = SimpleCommands.VrfyAsync,
        ["EXPN"] = SimpleCommands.ExpnAsync,
        ["HELP"] = SimpleCommands.HelpAsync,
    };

    /// <summary>Commands that make up mail transactions do not count against the junk-command limit.</summary>
    public static bool IsMailCommand(string verb) =>
        verb is "MAIL" or "RCPT" or "DATA" or "BDAT" or "AUTH" or "STARTTLS" or "QUIT" or "EHLO" or "HELO";

    /// <summary>Runs the command; true when it succeeded, so the session takes the state table's transition.</summary>
    public static ValueTask<bool> ExecuteAsync(string verb, SmtpSession session, string arguments) =>
        s_commands[verb](session, arguments);
}
