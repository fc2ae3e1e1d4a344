using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>DELE (RFC 1939 5): marks only; QUIT removes.</summary>
internal static class DeleCommand
{
    public static ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        if (session.Message(argument) is { } found)
        {
            session.Deleted[found.Number - 1] = true;
            session.Send($"+OK message {found.Number} deleted");
        }

        return ValueTask.CompletedTask;
    }
}
