using Interchange.Directory.Security;
using Interchange.Imap.Protocol;
using Microsoft.Extensions.Logging;

namespace Interchange.Imap.Session;

/// <summary>LOGIN (RFC 3501 6.2.3) and AUTHENTICATE PLAIN (RFC 4616) and LOGIN, with SASL-IR (RFC 4959).</summary>
internal sealed partial class ImapSession
{
    private ImapCommand? _saslCommand;
    private string? _saslMechanism;
    private string? _saslUser;

    private async ValueTask LoginAsync(ImapCommand command)
    {
        if (!PlaintextAllowed)
        {
            No(command, "Log in after STARTTLS", ImapResponseCode.PrivacyRequired);
            return;
        }

        if (command.Arguments.Count != 2 || !command.Arguments[0].TryGetAstring(out var user) || !command.Arguments[1].TryGetAstring(out var password))
        {
            Bad(command, "Usage: LOGIN user password");
            return;
        }

        await CompleteLoginAsync(command, user, password).ConfigureAwait(false);
    }

    private async ValueTask AuthenticateAsync(ImapCommand command)
    {
        var mechanism = command.Arguments.Count is 1 or 2 ? command.Arguments[0].Text.ToUpperInvariant() : string.Empty;
        if (mechanism is not ("PLAIN" or "LOGIN"))
        {
            No(command, "Supported mechanisms: PLAIN, LOGIN", ImapResponseCode.CannotDo);
            return;
        }

        if (!PlaintextAllowed)
        {
            No(command, "Authenticate after STARTTLS", ImapResponseCode.PrivacyRequired);
            return;
        }

        _saslMechanism = mechanism;
        _saslUser = null;
        if (command.Arguments.Count == 2 && command.Arguments[1].TryGetAstring(out var initial))
        {
            await FinishAuthenticateAsync(command, initial).ConfigureAwait(false); // SASL-IR (RFC 4959)
            return;
        }

        // The response comes as a bare line; the serve loop hands it to FinishAuthenticateAsync.
        _out.Continuation(mechanism == "LOGIN" ? SaslResponses.LoginUserChallenge : string.Empty);
        _saslCommand = command;
    }

    /// <summary>One client response of the exchange AUTHENTICATE started: the last for PLAIN, the user name then the password for LOGIN.</summary>
    private async ValueTask FinishAuthenticateAsync(ImapCommand command, string response)
    {
        if (SaslResponses.IsCancel(response))
        {
            Bad(command, "Authentication cancelled");
            return;
        }

        if (!SaslResponses.TryDecode(response, out var decoded))
        {
            Bad(command, "Cannot decode the response");
            return;
        }

        if (_saslMechanism == "LOGIN")
        {
            if (_saslUser is null)
            {
                _saslUser = decoded;
                _out.Continuation(SaslResponses.LoginPasswordChallenge);
                _saslCommand = command;
                return;
            }

            await CompleteLoginAsync(command, _saslUser, decoded).ConfigureAwait(false);
            return;
        }

        if (!SaslResponses.TryParsePlain(decoded, out var user, out var password))
        {
            No(command, "Authentication failed", ImapResponseCode.AuthenticationFailed);
            return;
        }

        await CompleteLoginAsync(command, user, password).ConfigureAwait(false);
    }

    private async ValueTask CompleteLoginAsync(ImapCommand command, string user, string password)
    {
        _authAttempts++;
        var result = await _services.Authenticator.AuthenticateAsync(user, password, Client, ConnectionClosed).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            No(command, result.Outcome == AuthenticationOutcome.Throttled ? "Too many failures, try later" : "Authentication failed",
                result.Outcome == AuthenticationOutcome.Throttled ? ImapResponseCode.Unavailable : ImapResponseCode.AuthenticationFailed);
            if (_authAttempts >= _services.Options.MaxAuthAttempts)
            {
                _out.UntaggedStatus(ImapStatus.Bye, "Too many authentication failures");
                _closing = true;
            }

            return;
        }

        Authentication = result.Session;
        State = ImapState.Authenticated;
        await _services.Mail.EnsureDefaultMailboxesAsync(UserKey, ConnectionClosed).ConfigureAwait(false);
        _services.Logger.LogInformation("IMAP {Id} from {Client}: {User} logged in", Id, Client, result.Session!.Context.Address);
        Ok(command, "Logged in", ImapResponseCode.Capability(Capabilities()));
    }
}
