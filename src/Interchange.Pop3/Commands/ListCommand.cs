using System.Text;
using Interchange.Pop3.Session;
using Interchange.Storage.Mail;

namespace Interchange.Pop3.Commands;

/// <summary>LIST (RFC 1939 5): one message's size, or every live message's; UIDL shares the listing.</summary>
internal static class ListCommand
{
    public static ValueTask ExecuteAsync(Pop3Session session, string argument) =>
        ListAsync(session, argument, (number, message) => $"{number} {message.Size}");

    /// <summary>Answers for one numbered message or, without an argument, a multi-line list of all live ones.</summary>
    public static ValueTask ListAsync(Pop3Session session, string argument, Func<int, StoredMessage, string> line)
    {
        if (argument.Length > 0)
        {
            if (session.Message(argument) is { } one)
            {
                session.Send("+OK " + line(one.Number, one.Message));
            }

            return ValueTask.CompletedTask;
        }

        var text = new StringBuilder("+OK\r\n");
        foreach (var (number, message) in session.Live())
        {
            text.Append(line(number, message)).Append("\r\n");
        }

        session.Send(text.Append('.').ToString());
        return ValueTask.CompletedTask;
    }
}
