using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Interchange.Core.Addressing;
using Interchange.Core.Logging;
using Interchange.Directory.Passwords;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Directory.Security;

/// <summary>
/// Verifies a user name and password for every protocol. The password is checked with PBKDF2
/// once per user until it changes: a success is remembered in the user's shared context as an
/// HMAC of the credentials under a per-process random key (never the password itself), and is
/// forgotten with the context, as Dovecot's auth cache does. Users another system owns (LDAP) are
/// checked by its <see cref="IExternalPasswordVerifier"/> instead of a stored hash, under the same
/// throttle; such a success is remembered only for <see cref="IExternalPasswordVerifier.RememberFor"/>,
/// since no change log tells this server when that password changes.
/// </summary>
public sealed class Authenticator
{
    private static readonly Meter s_meter = new("Interchange.Directory");
    private static readonly Counter<long> s_failures = s_meter.CreateCounter<long>("interchange.auth.failures", "{failure}", "Failed logins, by reason (unknown_user, wrong_password, no_password, malformed)");

    private readonly SecurityContextCache _contexts;
    private readonly PasswordHasher _hasher;
    private readonly LoginThrottle _throttle;
    private readonly ILogger _logger;
    private readonly IExternalPasswordVerifier? _external;
    private readonly TimeProvider _clock;
    private readonly byte[] _credentialKey = RandomNumberGenerator.GetBytes(32);

    public Authenticator(SecurityContextCache contexts, PasswordHasher hasher, LoginThrottle throttle, ILogger<Authenticator>? logger = null, IExternalPasswordVerifier? external = null, TimeProvider? clock = null)
    {
        _contexts = contexts;
        _hasher = hasher;
        _throttle = throttle;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _external = external;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>How long a login waits at most for other checks of the same user before it is refused as throttled.</summary>
    public static readonly TimeSpan MaxCheckWait = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan CheckPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>Longest user name looked at (an address is at most 254 octets); longer ones fail without touching any table.</summary>
    public const int MaxUserNameLength = 320;

    /// <summary>Adds zero to <c>interchange.auth.failures</c> once the exporter listens, so the series reads 0 rather than "no data".</summary>
    public static void PublishZeros() => s_failures.Add(0, new KeyValuePair<string, object?>("reason", "wrong_password"));

    public async Task<AuthenticationResult> AuthenticateAsync(string userName, string password, IPAddress? client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        if (userName.Length > MaxUserNameLength || password.Length > 4096)
        {
            s_failures.Add(1, new KeyValuePair<string, object?>("reason", "malformed"));
            return new AuthenticationResult(AuthenticationOutcome.InvalidCredentials);
        }

        var userKey = EmailAddress.TryParse(userName, out var address, out _) ? address.Key : userName.Trim().ToLowerInvariant();
        if (_throttle.RetryAfter(userKey, client) is { } wait)
        {
            _logger.LogWarning("Login for {User} from {Client} refused: too many failures, retry in {Seconds:F0} s", new LogText(userKey), client, wait.TotalSeconds);
            return new AuthenticationResult(AuthenticationOutcome.Throttled, RetryAfter: wait);
        }

        // Two tries at most: a context revoked while its password was being checked is not used.
        for (var attempt = 0; ; attempt++)
        {
            SecurityContext context;
            try
            {
                context = await _contexts.GetAsync(userKey, cancellationToken).ConfigureAwait(false);
            }
            catch (UserNotFoundException)
            {
                _hasher.Verify(password, null); // same cost as a real check
                return Fail(userKey, client, "unknown user");
            }

            var credential = CredentialKey(userKey, password);
            var waited = TimeSpan.Zero;
            var checking = false;
            while (!context.MatchesVerifiedCredential(credential, _clock.GetUtcNow()) && !(checking = _throttle.TryBeginCheck(userKey, client)))
            {
                // As many slow checks of one user run at once as it has failures left, so parallel
                // guesses cannot all slip in under the limit. Other logins wait for those running:
                // a right password is then remembered and needs no check of its own (a client
                // opening ten connections at once is not refused).
                var retry = _throttle.RetryAfter(userKey, client);
                if (retry is not null || waited >= MaxCheckWait)
                {
                    _logger.LogWarning("Login for {User} from {Client} refused: too many failures or checks at once", new LogText(userKey), client);
                    return new AuthenticationResult(AuthenticationOutcome.Throttled, RetryAfter: retry ?? MaxCheckWait);
                }

                await Task.Delay(CheckPoll, cancellationToken).ConfigureAwait(false);
                waited += CheckPoll;
            }

            if (checking)
            {
                try
                {
                    if (_external is { } external && context.Source is { } source && source == external.Source)
                    {
                        var verdict = await VerifyExternallyAsync(external, context, password, cancellationToken).ConfigureAwait(false);
                        if (verdict == ExternalPasswordResult.Rejected)
                        {
                            return Fail(userKey, client, $"{source} refused the password");
                        }

                        if (verdict == ExternalPasswordResult.Unavailable)
                        {
                            // Not a failure of the user's: the throttle does not count it.
                            _logger.LogWarning("Login for {User} from {Client} failed temporarily: {Source} could not check the password", new LogText(userKey), client, source);
                            return new AuthenticationResult(AuthenticationOutcome.TemporaryFailure);
                        }

                        if (external.RememberFor > TimeSpan.Zero)
                        {
                            context.RememberVerifiedCredential(credential, _clock.GetUtcNow() + external.RememberFor);
                        }
                    }
                    else
                    {
                        if (_hasher.Verify(password, context.PasswordHash) == PasswordVerification.Failed)
                        {
                            return Fail(userKey, client, context.PasswordHash is null ? "no password set" : "wrong password");
                        }

                        context.RememberVerifiedCredential(credential);
                    }
                }
                finally
                {
                    _throttle.EndCheck(userKey, client);
                }
            }

            if ((context.IsRevoked || context.IsStale) && attempt == 0)
            {
                continue;
            }

            if (context.Disabled)
            {
                _logger.LogWarning("Login for {User} from {Client} refused: account disabled", new LogText(userKey), client);
                return new AuthenticationResult(AuthenticationOutcome.Disabled);
            }

            _throttle.RecordSuccess(userKey, client);
            return new AuthenticationResult(AuthenticationOutcome.Succeeded, context.OpenSession());
        }
    }

    private async Task<ExternalPasswordResult> VerifyExternallyAsync(IExternalPasswordVerifier external, SecurityContext context, string password, CancellationToken cancellationToken)
    {
        try
        {
            return await external.VerifyAsync(context.Address, password, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A verifier's bug or an unexpected library error is the other system being unusable, not a wrong password.
            _logger.LogError(ex, "Checking the password of {User} with {Source} failed", new LogText(context.UserKey), external.Source);
            return ExternalPasswordResult.Unavailable;
        }
    }

    private AuthenticationResult Fail(string userKey, IPAddress? client, string reason)
    {
        _throttle.RecordFailure(userKey, client);
        s_failures.Add(1, new KeyValuePair<string, object?>("reason", reason switch
        {
            "unknown user" => "unknown_user",
            "no password set" => "no_password",
            _ => "wrong_password",
        }));
        _logger.LogInformation("Login for {User} from {Client} failed: {Reason}", new LogText(userKey), client, reason);
        return new AuthenticationResult(AuthenticationOutcome.InvalidCredentials);
    }

    private byte[] CredentialKey(string userKey, string password)
    {
        var material = Encoding.UTF8.GetBytes(userKey + "\0" + password);
        try
        {
            return HMACSHA256.HashData(_credentialKey, material);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }
}
