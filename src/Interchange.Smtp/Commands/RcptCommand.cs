using Interchange.Smtp.Protocol;
using Interchange.Smtp.Session;
using Interchange.Storage.Queue;

namespace Interchange.Smtp.Commands;

/// <summary>RCPT TO (RFC 5321 4.1.1.3) with DSN's NOTIFY and ORCPT (RFC 3461), checked against the relay policy now.</summary>
internal static class RcptCommand
{
    public static async ValueTask<bool> ExecuteAsync(SmtpSession session, string arguments)
    {
        if (!arguments.StartsWith("TO:", StringComparison.OrdinalIgnoreCase))
        {
            await session.ReplyAsync(new SmtpReply(501, "5.5.4", "Syntax: RCPT TO:<address>")).ConfigureAwait(false);
            return false;
        }

        var t = session.Transaction;
        if (t.Recipients.Count >= session.Options.MaxRecipients)
        {
            await session.RefuseAsync("RCPT " + arguments, new SmtpReply(452, "4.5.3", "Error: too many recipients")).ConfigureAwait(false);
            return false;
        }

        if (!SmtpPath.TryParse(arguments[3..], out var path, out var rest, out var error) || path.IsNull)
        {
            await session.ReplyAsync(new SmtpReply(501, "5.1.3", $"Bad recipient address syntax{(error.Length > 0 ? ": " + error : string.Empty)}")).ConfigureAwait(false);
            return false;
        }

        if (!SmtpParameters.TryParse(rest, out var parameters, out error))
        {
            await session.ReplyAsync(new SmtpReply(501, "5.5.4", error)).ConfigureAwait(false);
            return false;
        }

        string? notify = null, orcpt = null;
        foreach (var (key, value) in parameters)
        {
            switch (key.ToUpperInvariant())
            {
                case "NOTIFY" when IsNotify(value):
                    notify = value!.ToUpperInvariant();
                    break;
                case "ORCPT" when value is not null && value.Contains(';', StringComparison.Ordinal) && SmtpParameters.DecodeXtext(value[(value.IndexOf(';', StringComparison.Ordinal) + 1)..]) is not null:
                    orcpt = value;
                    break;
                default:
                    await session.ReplyAsync(new SmtpReply(555, "5.5.4", $"Unsupported or malformed parameter {key}")).ConfigureAwait(false);
                    return false;
            }
        }

        if (path.IsInternational && !t.SmtpUtf8)
        {
            await session.ReplyAsync(new SmtpReply(553, "5.6.7", "Non-ASCII address needs the SMTPUTF8 parameter on MAIL")).ConfigureAwait(false);
            return false;
        }

        var decision = await session.Services.Policy.CheckAsync(path, mayRelay: session.IsAuthenticated || session.Options.IsRelayClient(session.Client), CancellationToken.None).ConfigureAwait(false);
        if (decision.Refusal is not null)
        {
            await session.RefuseAsync("RCPT " + arguments, decision.Refusal).ConfigureAwait(false);
            return false;
        }

        if (await session.FilterRecipientAsync(decision.Address, arguments).ConfigureAwait(false) is { } refusal)
        {
            await session.RefuseFromFilterAsync("RCPT " + arguments, refusal).ConfigureAwait(false);
            return false;
        }

        t.Recipients.Add(new QueuedRecipient(decision.Address, notify, orcpt));
        await session.ReplyAsync(new SmtpReply(250, "2.1.5", "Ok")).ConfigureAwait(false);
        return true;
    }

    private static bool IsNotify(string? value)
    {
        if (value is null)
        {
            return false;
        }

        var items = value.ToUpperInvariant().Split(',');
        return items is ["NEVER"] || items.All(i => i is "SUCCESS" or "FAILURE" or "DELAY");
    }
}
