using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>CAPA (RFC 2449): USER and SASL only where plaintext logins are allowed, STLS only before TLS.</summary>
internal static class CapaCommand
{
    public static ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        var capabilities = new List<string> { "+OK Capability list follows", "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE NEVER", "IMPLEMENTATION Interchange" };
        if (!session.InTransaction && session.PlaintextAllowed)
        {
            capabilities.Add("USER");
            capabilities.Add("SASL PLAIN");
        }

        if (!session.InTransaction && session.CanStartTls)
        {
            capabilities.Add("STLS");
        }

        capabilities.Add(".");
        session.Send(string.Join("\r\n", capabilities));
        return ValueTask.CompletedTask;
    }
}
