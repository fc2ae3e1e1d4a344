using Interchange.Core.Net;
using Interchange.Directory.Security;
using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>AUTH (RFC 5034) with SASL PLAIN; without a mechanism, the list of mechanisms.</summary>
internal static class AuthCommand
{
    public static async ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            session.Send("+OK\r\nPLAIN\r\n.");
            return;
        }

        if (!string.Equals(parts[0], "PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            session.Error("Unsupported mechanism");
            return;
        }

        if (!session.PlaintextAllowed)
        {
            session.Error("[AUTH] PLAIN is only allowed after STLS");
            return;
        }

        var response = parts.Length > 1 ? parts[1] : null;
        if (response is null)
        {
            session.Send("+ ");
            var line = await session.ReadLineAsync().ConfigureAwait(false);
            if (line.Kind != LineKind.Text)
            {
                if (line.Kind == LineKind.TimedOut)
                {
                    session.Send("-ERR " + session.EndText());
                }

                session.Close();
                return;
            }

            response = line.Text.Trim();
        }

        if (SaslResponses.IsCancel(response))
        {
            session.Error("Authentication cancelled");
            return;
        }

        if (!SaslResponses.TryDecode(response, out var decoded))
        {
            session.Error("Cannot decode the response");
            return;
        }

        if (!SaslResponses.TryParsePlain(decoded, out var user, out var password))
        {
            session.Error("[AUTH] Authentication failed");
            return;
        }

        await session.LoginAsync(user, password).ConfigureAwait(false);
    }
}
