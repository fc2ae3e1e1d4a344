using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>RSET (RFC 1939 5): unmarks every DELE.</summary>
internal static class RsetCommand
{
    public static ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        Array.Clear(session.Deleted);
        session.Send($"+OK maildrop has {session.Live().Count()} messages");
        return ValueTask.CompletedTask;
    }
}
