using Interchange.Core.Logging;
using Interchange.Smtp.Protocol;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Session;

/// <summary>
/// One log line per refusal an administrator asks about (relay denied, unknown user, sender not
/// owned, too big, limits reached): the client, its HELO, the command, our reply and the
/// transaction's sender. Every part a client chose is escaped (<see cref="LogText"/>).
/// </summary>
internal static class RefusalLog
{
    public static void Write(SmtpSession session, string command, SmtpReply reply)
    {
        session.Logger.LogInformation(
            "SMTP {Id} from {Client} (HELO {Helo}): {Command} refused: {Reply}; sender {From}",
            session.Id,
            session.Client,
            new LogText(session.Helo ?? "none"),
            new LogText(command),
            new LogText(reply.ToString()),
            new LogText(session.Transaction.MailFrom?.ToString() ?? "none"));
    }

    /// <summary>Replies with <paramref name="reply"/> and logs the refusal once.</summary>
    public static ValueTask RefuseAsync(this SmtpSession session, string command, SmtpReply reply)
    {
        Write(session, command, reply);
        return session.ReplyAsync(reply);
    }
}
