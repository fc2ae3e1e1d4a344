using Interchange.Smtp.Extensions;
using Interchange.Smtp.Protocol;
using Interchange.Smtp.Session;

namespace Interchange.Smtp.Commands;

/// <summary>EHLO and HELO (RFC 5321 4.1.1.1): name the client, reset the transaction, list the extensions.</summary>
internal static class HelloCommand
{
    public static ValueTask<bool> EhloAsync(SmtpSession session, string arguments) => HelloAsync(session, arguments, extended: true);

    public static ValueTask<bool> HeloAsync(SmtpSession session, string arguments) => HelloAsync(session, arguments, extended: false);

    private static async ValueTask<bool> HelloAsync(SmtpSession session, string arguments, bool extended)
    {
        var name = arguments.Trim();
        if (name.Length == 0 || name.Contains(' ', StringComparison.Ordinal))
        {
            await session.ReplyAsync(new SmtpReply(501, "5.5.4", $"Syntax: {(extended ? "EHLO" : "HELO")} hostname")).ConfigureAwait(false);
            return false;
        }

        session.ResetTransaction();
        session.Helo = name;
        session.Extended = extended;
        if (await session.FilterHeloAsync(name).ConfigureAwait(false) is { } refusal)
        {
            session.Helo = null;
            await session.RefuseFromFilterAsync((extended ? "EHLO " : "HELO ") + name, refusal).ConfigureAwait(false);
            return false;
        }

        if (!extended)
        {
            await session.ReplyAsync(new SmtpReply(250, null, session.HostName)).ConfigureAwait(false);
            return true;
        }

        var lines = new List<string> { session.HostName };
        lines.AddRange(SmtpExtensions.All.Select(e => e.Keyword(session)).OfType<string>());
        await session.ReplyAsync(new SmtpReply(250, null, lines)).ConfigureAwait(false);
        return true;
    }
}
