using Interchange.Directory.Security;
using Interchange.Imap.Protocol;
using Interchange.Imap.Session;
using Microsoft.Extensions.Logging;

namespace Interchange.Imap.Commands;

/// <summary>LOGIN (RFC 3501 6.2.3) and AUTHENTICATE PLAIN (RFC 4616) and LOGIN, with SASL-IR (RFC 4959).</summary>
internal static class AuthenticationCommands
{
    internal static async ValueTask LoginAsync(ImapSession session, ImapCommand command)
    {
        if (!session.PlaintextAllowed)
        {
            session.No(command, "Log in after STARTTLS", ImapResponseCode.PrivacyRequired);
            return;
        }

        if (command.Arguments.Count != 2 || !command.Arguments[0].TryGetAstring(out var user) || !command.Arguments[1].TryGetAstring(out var password))
        {
            session.Bad(command, "Usage: LOGIN user password");
            return;
        }

        await CompleteLoginAsync(session, command, user, password).ConfigureAwait(false);
    }

    internal static async ValueTask AuthenticateAsync(ImapSession session, ImapCommand command)
    {
        var mechanism = command.Arguments.Count is 1 or 2 ? command.Arguments[0].Text.ToUpperInvariant() : string.Empty;
        if (mechanism is not ("PLAIN" or "LOGIN"))
        {
            session.No(command, "Supported mechanisms: PLAIN, LOGIN", ImapResponseCode.CannotDo);
            return;
        }

        if (!session.PlaintextAllowed)
        {
            session.No(command, "Authenticate after STARTTLS", ImapResponseCode.PrivacyRequired);
            return;
        }

        session.SaslMechanism = mechanism;
        session.SaslUser = null;
        if (command.Arguments.Count == 2 && command.Arguments[1].TryGetAstring(out var initial))
        {
            await FinishAuthenticateAsync(session, command, initial).ConfigureAwait(false); // SASL-IR (RFC 4959)
            return;
        }

        // The response comes as a bare line; the serve loop hands it to FinishAuthenticateAsync.
        session.Out.Continuation(mechanism == "LOGIN" ? SaslResponses.LoginUserChallenge : string.Empty);
        session.SaslCommand = command;
    }

    /// <summary>One client response of the exchange AUTHENTICATE started: the last for PLAIN, the user name then the password for LOGIN.</summary>
    internal static async ValueTask FinishAuthenticateAsync(ImapSession session, ImapCommand command, string response)
    {
        if (SaslResponses.IsCancel(response))
        {
            session.Bad(command, "Authentication cancelled");
            return;
        }

        if (!SaslResponses.TryDecode(response, out var decoded))
        {
            session.Bad(command, "Cannot decode the response");
            return;
        }

        if (session.SaslMechanism == "LOGIN")
        {
            if (session.SaslUser is null)
            {
                session.SaslUser = decoded;
                session.Out.Continuation(SaslResponses.LoginPasswordChallenge);
                session.SaslCommand = command;
                return;
            }

            await CompleteLoginAsync(session, command, session.SaslUser, decoded).ConfigureAwait(false);
            return;
        }

        if (!SaslResponses.TryParsePlain(decoded, out var user, out var password))
        {
            session.No(command, "Authentication failed", ImapResponseCode.AuthenticationFailed);
            return;
        }

        await CompleteLoginAsync(session, command, user, password).ConfigureAwait(false);
    }

    internal static async ValueTask CompleteLoginAsync(ImapSession session, ImapCommand command, string user, string password)
    {
        session.AuthAttempts++;
        var result = await session.Services.Authenticator.AuthenticateAsync(user, password, session.Client, session.ConnectionClosed).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            // RFC 5530 section 3: UNAVAILABLE is temporary (throttled, or the directory is down); AUTHENTICATIONFAILED is the credentials.
            var (text, code) = result.Outcome switch
            {
                AuthenticationOutcome.Throttled => ("Too many failures, try later", ImapResponseCode.Unavailable),
                AuthenticationOutcome.TemporaryFailure => ("The directory is unavailable, try later", ImapResponseCode.Unavailable),
                _ => ("Authentication failed", ImapResponseCode.AuthenticationFailed),
            };
            session.No(command, text, code);
            if (session.AuthAttempts >= session.Services.Options.MaxAuthAttempts)
            {
                session.Out.UntaggedStatus(ImapStatus.Bye, "Too many authentication failures");
                session.Close();
            }

            return;
        }

        session.Authentication = result.Session;
        session.State = ImapState.Authenticated;
        await session.Services.Mail.EnsureDefaultMailboxesAsync(session.UserKey, session.ConnectionClosed).ConfigureAwait(false);
        session.Services.Logger.LogInformation("IMAP {Id} from {Client}: {User} logged in", session.Id, session.Client, result.Session!.Context.Address);
        session.Ok(command, "Logged in", ImapResponseCode.Capability(session.Capabilities()));
    }
}
