using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>NOOP (RFC 1939 5).</summary>
internal static class NoopCommand
{
    public static ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        session.Send("+OK");
        return ValueTask.CompletedTask;
    }
}
