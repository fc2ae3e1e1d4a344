using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>PASS (RFC 1939 7), after USER.</summary>
internal static class PassCommand
{
    public static async ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        if (session.PendingUser is not { } user)
        {
            session.Error("USER first");
            return;
        }

        session.PendingUser = null;
        await session.LoginAsync(user, argument).ConfigureAwait(false);
    }
}
