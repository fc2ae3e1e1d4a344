using System.Text;
using Interchange.Server.Configuration;
using Microsoft.AspNetCore.Connections;

namespace Interchange.Server.Hosting;

/// <summary>
/// Answers a protocol whose service is not part of this build with that protocol's own
/// "temporarily unavailable" greeting, then closes: an SMTP client gets 421 and retries
/// later (nothing bounces), an IMAP client BYE, a POP3 client -ERR [SYS/TEMP]. The listener
/// is real, so ports, TLS and endpoints.json behave as they will once the service exists.
/// </summary>
public static class UnavailableProtocolHandler
{
    public static async Task HandleAsync(ConnectionContext connection, MailProtocol protocol, string hostName)
    {
        var greeting = protocol switch
        {
            MailProtocol.Smtp or MailProtocol.Submission or MailProtocol.Submissions =>
                $"421 4.3.2 {hostName} Service not available: SMTP is not enabled in this build, try again later\r\n",
            MailProtocol.Imap or MailProtocol.Imaps =>
                "* BYE [UNAVAILABLE] IMAP is not enabled in this build, try again later\r\n",
            _ => "-ERR [SYS/TEMP] POP3 is not enabled in this build, try again later\r\n",
        };
        try
        {
            await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes(greeting), connection.ConnectionClosed).ConfigureAwait(false);
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ConnectionResetException)
        {
            // The client went away first; nothing to tell it.
        }
    }
}
