using System.Globalization;
using Interchange.Smtp.Protocol;
using Interchange.Smtp.Session;

namespace Interchange.Smtp.Commands;

/// <summary>BDAT (RFC 3030 CHUNKING): exact-length chunks, no dot-stuffing; the LAST chunk commits the message.</summary>
internal static class BdatCommand
{
    /// <summary>The key <see cref="SmtpStateTable"/> knows this BDAT by: the LAST chunk ends the transaction.</summary>
    public static string TableVerb(string arguments) =>
        TryParse(arguments, out _, out var last) && last ? "BDAT LAST" : "BDAT";

    public static bool TryParse(string arguments, out long size, out bool last)
    {
        size = 0;
        last = false;
        var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (1 or 2))
        {
            return false;
        }

        if (parts.Length == 2)
        {
            if (!string.Equals(parts[1], "LAST", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            last = true;
        }

        return long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out size);
    }

    public static async ValueTask<bool> ExecuteAsync(SmtpSession session, string arguments)
    {
        if (!TryParse(arguments, out var size, out var last))
        {
            // The chunk's length is unknown, so its bytes cannot be skipped: end the session.
            await session.SendAndCloseAsync(new SmtpReply(501, "5.5.4", "Syntax: BDAT size [LAST]")).ConfigureAwait(false);
            return false;
        }

        if (size > session.Options.MaxMessageSize - session.Transaction.Size)
        {
            // Reading a chunk this big only to throw it away would let a client hold the session for as
            // long as it keeps up the minimum data rate: refuse it, and end the session, since its bytes
            // are on their way and cannot be told from commands (RFC 3030 has no way to stop a chunk).
            var reply = new SmtpReply(552, "5.3.4", $"Error: message exceeds fixed maximum message size of {session.Options.MaxMessageSize} bytes");
            RefusalLog.Write(session, $"BDAT {size}", reply);
            session.ResetTransaction();
            await session.SendAndCloseAsync(reply).ConfigureAwait(false);
            return false;
        }

        if (session.State == SmtpState.Recipients)
        {
            await session.BeginContentAsync("BDAT").ConfigureAwait(false);
        }

        if (!await session.ReadChunkAsync(size, keep: true).ConfigureAwait(false))
        {
            session.ResetTransaction();
            session.Close();
            return false;
        }

        if (!last)
        {
            await session.ReplyAsync(new SmtpReply(250, "2.0.0", $"{size} octets received")).ConfigureAwait(false);
            return true;
        }

        await session.FinishMessageAsync().ConfigureAwait(false);
        return true;
    }
}
