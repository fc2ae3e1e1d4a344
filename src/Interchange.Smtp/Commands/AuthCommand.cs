using Interchange.Directory.Security;
using Interchange.Smtp.Protocol;
using Interchange.Smtp.Session;
using Microsoft.Extensions.Logging;

namespace Interchange.Smtp.Commands;

/// <summary>AUTH (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms; AUTH after a login is refused by <see cref="Protocol.SmtpStateTable"/>.</summary>
internal static class AuthCommand
{
    public static async ValueTask<bool> ExecuteAsync(SmtpSession session, string arguments)
    {
        if (!session.CanAuthenticate)
        {
            await session.ReplyAsync(new SmtpReply(538, "5.7.11", "Encryption required for requested authentication mechanism")).ConfigureAwait(false);
            return false;
        }

        var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is 0 or > 2)
        {
            await session.ReplyAsync(new SmtpReply(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]")).ConfigureAwait(false);
            return false;
        }

        var mechanism = parts[0].ToUpperInvariant();
        if (mechanism is not ("PLAIN" or "LOGIN"))
        {
            await session.ReplyAsync(new SmtpReply(504, "5.5.4", "Unrecognized authentication type")).ConfigureAwait(false);
            return false;
        }

        var initial = parts.Length == 2 ? parts[1] : null;
        var credentials = mechanism == "PLAIN"
            ? await PlainAsync(session, initial).ConfigureAwait(false)
            : await LoginAsync(session, initial).ConfigureAwait(false);

        if (credentials is not { } given)
        {
            return false; // the mechanism already replied (cancelled or malformed)
        }

        session.AuthAttempts++;
        var result = await session.Services.Authenticator.AuthenticateAsync(given.User, given.Password, session.Client).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case AuthenticationOutcome.Succeeded:
                session.Authentication = result.Session;
                session.AuthenticationMechanism = mechanism;
                session.Logger.LogInformation("SMTP {Id} from {Client}: authenticated as {User}", session.Id, session.Client, result.Session!.Context.Address);
                await session.ReplyAsync(new SmtpReply(235, "2.7.0", "Authentication successful")).ConfigureAwait(false);
                return true;
            case AuthenticationOutcome.Throttled:
                await session.ReplyAsync(new SmtpReply(454, "4.7.0", "Temporary authentication failure: too many failures, try later")).ConfigureAwait(false);
                break;
            case AuthenticationOutcome.TemporaryFailure:
                // RFC 4954 section 6: 454 when the password cannot be checked now (the directory is down).
                await session.ReplyAsync(new SmtpReply(454, "4.7.0", "Temporary authentication failure: the directory is unavailable, try later")).ConfigureAwait(false);
                break;
            default:
                await session.ReplyAsync(new SmtpReply(535, "5.7.8", "Authentication credentials invalid")).ConfigureAwait(false);
                break;
        }

        if (session.AuthAttempts >= session.Options.MaxAuthAttempts)
        {
            await session.SendAndCloseAsync(new SmtpReply(421, "4.7.0", $"{session.HostName} Error: too many authentication failures")).ConfigureAwait(false);
        }

        return false;
    }

    private static async ValueTask<(string User, string Password)?> PlainAsync(SmtpSession session, string? initial)
    {
        var response = initial ?? await ChallengeAsync(session, string.Empty).ConfigureAwait(false);
        if (response is null)
        {
            return null;
        }

        var decoded = await DecodeAsync(session, response).ConfigureAwait(false); // "=" is an empty initial response (RFC 4954 4)
        if (decoded is null)
        {
            return null;
        }

        if (!SaslResponses.TryParsePlain(decoded, out var user, out var password))
        {
            await session.ReplyAsync(new SmtpReply(535, "5.7.8", "Authentication credentials invalid")).ConfigureAwait(false);
            return null;
        }

        return (user, password);
    }

    private static async ValueTask<(string User, string Password)?> LoginAsync(SmtpSession session, string? initial)
    {
        var userResponse = initial ?? await ChallengeAsync(session, SaslResponses.LoginUserChallenge).ConfigureAwait(false);
        var user = userResponse is null ? null : await DecodeAsync(session, userResponse).ConfigureAwait(false);
        if (user is null)
        {
            return null;
        }

        var passwordResponse = await ChallengeAsync(session, SaslResponses.LoginPasswordChallenge).ConfigureAwait(false);
        var password = passwordResponse is null ? null : await DecodeAsync(session, passwordResponse).ConfigureAwait(false);
        return password is null ? null : (user, password);
    }

    /// <summary>Sends a 334 challenge and reads the answer; null (after replying) when the client cancels.</summary>
    private static async ValueTask<string?> ChallengeAsync(SmtpSession session, string challenge)
    {
        await session.ReplyAsync(new SmtpReply(334, null, challenge)).ConfigureAwait(false);
        var line = await session.ReadAuthLineAsync().ConfigureAwait(false);
        if (line is null)
        {
            session.Close();
            return null;
        }

        if (SaslResponses.IsCancel(line))
        {
            await session.ReplyAsync(new SmtpReply(501, "5.7.0", "Authentication cancelled")).ConfigureAwait(false);
            return null;
        }

        return line.Trim();
    }

    private static async ValueTask<string?> DecodeAsync(SmtpSession session, string base64)
    {
        if (SaslResponses.TryDecode(base64, out var text))
        {
            return text;
        }

        await session.ReplyAsync(new SmtpReply(501, "5.5.2", "Cannot decode the response")).ConfigureAwait(false);
        return null;
    }
}
