using Interchange.Core.Addressing;
using Interchange.Smtp.Protocol;
using Interchange.Smtp.Session;

namespace Interchange.Smtp.Commands;

/// <summary>MAIL FROM (RFC 5321 4.1.1.2) with SIZE, BODY, SMTPUTF8, RET, ENVID and AUTH parameters.</summary>
internal static class MailCommand
{
    public static async ValueTask<bool> ExecuteAsync(SmtpSession session, string arguments)
    {
        if (!arguments.StartsWith("FROM:", StringComparison.OrdinalIgnoreCase))
        {
            await session.ReplyAsync(new SmtpReply(501, "5.5.4", "Syntax: MAIL FROM:<address>")).ConfigureAwait(false);
            return false;
        }

        if (session.Authentication is { Context.IsRevoked: true })
        {
            await session.SendAndCloseAsync(new SmtpReply(421, "4.7.0", $"{session.HostName} Your credentials changed; log in again")).ConfigureAwait(false);
            return false;
        }

        if (session.RequiresAuthentication && !session.IsAuthenticated)
        {
            await session.ReplyAsync(new SmtpReply(530, "5.7.0", "Authentication required")).ConfigureAwait(false);
            return false;
        }

        if (!SmtpPath.TryParse(arguments[5..], out var path, out var rest, out var error) || path.IsBarePostmaster)
        {
            await session.ReplyAsync(new SmtpReply(501, "5.1.7", $"Bad sender address syntax: {(error.Length > 0 ? error : "no domain")}")).ConfigureAwait(false);
            return false;
        }

        if (!SmtpParameters.TryParse(rest, out var parameters, out error))
        {
            await session.ReplyAsync(new SmtpReply(501, "5.5.4", error)).ConfigureAwait(false);
            return false;
        }

        var t = session.Transaction;
        foreach (var (key, value) in parameters)
        {
            switch (key.ToUpperInvariant())
            {
                case "SIZE":
                    if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size))
                    {
                        await session.ReplyAsync(new SmtpReply(501, "5.5.4", "Bad SIZE parameter")).ConfigureAwait(false);
                        return false;
                    }

                    if (size > session.Options.MaxMessageSize)
                    {
                        await session.RefuseAsync("MAIL " + arguments, new SmtpReply(552, "5.3.4", "Message size exceeds fixed limit")).ConfigureAwait(false);
                        return false;
                    }

                    break;
                case "BODY":
                    var body = value?.ToUpperInvariant();
                    if (body is not ("7BIT" or "8BITMIME"))
                    {
                        await session.ReplyAsync(new SmtpReply(555, "5.5.4", $"Unsupported BODY type {value}")).ConfigureAwait(false);
                        return false;
                    }

                    t.BodyType = body;
                    break;
                case "SMTPUTF8" when value is null:
                    t.SmtpUtf8 = true;
                    break;
                case "RET" when value?.ToUpperInvariant() is "FULL" or "HDRS":
                    t.Return = value.ToUpperInvariant();
                    break;
                case "ENVID" when value is not null && SmtpParameters.DecodeXtext(value) is { Length: <= 100 } envelopeId:
                    t.EnvelopeId = envelopeId;
                    break;
                case "AUTH":
                    break; // RFC 4954 5: accepted, and ignored (we do not relay the identity on)
                default:
                    await session.ReplyAsync(new SmtpReply(555, "5.5.4", $"Unsupported or malformed parameter {key}")).ConfigureAwait(false);
                    return false;
            }
        }

        if (path.IsInternational && !t.SmtpUtf8)
        {
            await session.ReplyAsync(new SmtpReply(553, "5.6.7", "Non-ASCII address needs the SMTPUTF8 parameter")).ConfigureAwait(false);
            return false;
        }

        // One rule for every authenticated session, whichever listener it came in on.
        if (session.IsAuthenticated && session.Options.RequireOwnedSender && !Owns(session, path))
        {
            await session.RefuseAsync("MAIL " + arguments, new SmtpReply(553, "5.7.1", $"<{path.Address}>: Sender address rejected: not owned by user {session.Authentication!.Context.Address}")).ConfigureAwait(false);
            return false;
        }

        if (await session.FilterMailAsync(path.Address, arguments).ConfigureAwait(false) is { } refusal)
        {
            await session.RefuseFromFilterAsync("MAIL " + arguments, refusal).ConfigureAwait(false);
            return false;
        }

        t.MailFrom = path;
        await session.ReplyAsync(new SmtpReply(250, "2.1.0", "Ok")).ConfigureAwait(false);
        return true;
    }

    private static bool Owns(SmtpSession session, SmtpPath path)
    {
        if (path.IsNull || path.IsQuotedLocalPart || !EmailAddress.TryParse(path.Address, out var sender, out _))
        {
            return false;
        }

        return session.Authentication!.Context.OwnedAddresses.Any(owned => EmailAddress.TryParse(owned, out var o, out _) && o.Matches(sender));
    }
}
