using System.Text;
using Interchange.Directory.Security;
using Interchange.Imap.Protocol;
using Microsoft.Extensions.Logging;

namespace Interchange.Imap.Session;

/// <summary>LOGIN (RFC 3501 6.2.3) and AUTHENTICATE PLAIN (RFC 4616, SASL-IR RFC 4959).</summary>
internal sealed partial class ImapSession
{
    private ImapCommand? _saslCommand;

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
        if (command.Arguments.Count is 0 or > 2 || !command.Arguments[0].IsAtom("PLAIN"))
        {
            No(command, "Only AUTHENTICATE PLAIN is supported", ImapResponseCode.CannotDo);
            return;
        }

        if (!PlaintextAllowed)
        {
            No(command, "Authenticate after STARTTLS", ImapResponseCode.PrivacyRequired);
            return;
        }

        if (command.Arguments.Count == 2 && command.Arguments[1].TryGetAstring(out var initial))
        {
            await FinishAuthenticateAsync(command, initial).ConfigureAwait(false);
            return;
        }

        // The response comes as a bare line; the serve loop hands it to FinishAuthenticateAsync.
        _out.Continuation(string.Empty);
        _saslCommand = command;
    }

    private async ValueTask FinishAuthenticateAsync(ImapCommand command, string response)
    {
        if (response == "*")
        {
            Bad(command, "Authentication cancelled");
            return;
        }

        string[] fields;
        try
        {
            fields = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(response == "=" ? string.Empty : response)).Split('\0');
        }
        catch (Exception ex) when (ex is FormatException or DecoderFallbackException)
        {
            Bad(command, "Cannot decode the response");
            return;
        }

        if (fields.Length != 3 || fields[1].Length == 0 || (fields[0].Length > 0 && !string.Equals(fields[0], fields[1], StringComparison.OrdinalIgnoreCase)))
        {
            No(command, "Authentication failed", ImapResponseCode.AuthenticationFailed);
            return;
        }

        await CompleteLoginAsync(command, fields[1], fields[2]).ConfigureAwait(false);
    }

    private async ValueTask CompleteLoginAsync(ImapCommand command, string user, string password)
    {
        _authAttempts++;
        var result = await _services.Authenticator.AuthenticateAsync(user, password, Client, _connectionClosed).ConfigureAwait(false);
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
        await _services.Mail.EnsureDefaultMailboxesAsync(UserKey, _connectionClosed).ConfigureAwait(false);
        _services.Logger.LogInformation("IMAP {Id} from {Client}: {User} logged in", Id, Client, result.Session!.Context.Address);
        Ok(command, "Logged in", ImapResponseCode.Capability(Capabilities()));
    }
}
