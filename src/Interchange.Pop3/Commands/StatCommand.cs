using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>STAT (RFC 1939 5): messages not marked deleted, and their size.</summary>
internal static class StatCommand
{
    public static ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        session.Send($"+OK {session.Live().Count()} {session.Live().Sum(m => m.Message.Size)}");
        return ValueTask.CompletedTask;
    }
}
