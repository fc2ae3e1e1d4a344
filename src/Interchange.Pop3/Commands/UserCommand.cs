using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>USER (RFC 1939 7): the name PASS logs in with.</summary>
internal static class UserCommand
{
    public static ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        if (!session.PlaintextAllowed)
        {
            session.Error("[AUTH] Plaintext authentication is only allowed after STLS");
        }
        else if (argument.Length == 0)
        {
            session.Error("Usage: USER name");
        }
        else
        {
            session.PendingUser = argument;
            session.Send("+OK");
        }

        return ValueTask.CompletedTask;
    }
}
