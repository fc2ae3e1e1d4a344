namespace Interchange.Directory.Security;

/// <summary>Limits on failed logins (<c>Interchange:Authentication:Throttle</c>).</summary>
public sealed class LoginThrottleOptions
{
    /// <summary>
    /// Failed logins for one user from all addresses within <see cref="UserWindow"/> before it is
    /// refused. A success does not reset it: the real user's logins must not hand a guesser a new batch.
    /// </summary>
    public int MaxFailuresPerUser { get; set; } = 30;

    public TimeSpan UserWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Failed logins from one client address within <see cref="AddressWindow"/> before it is refused.</summary>
    public int MaxFailuresPerAddress { get; set; } = 30;

    public TimeSpan AddressWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Failed logins for one user from one client address within <see cref="UserWindow"/>; a
    /// success from that address clears this count only (the user's own typos are forgiven).
    /// </summary>
    public int MaxFailuresPerUserAndAddress { get; set; } = 10;

    /// <summary>
    /// Addresses or networks (<c>127.0.0.1</c>, <c>10.0.0.0/8</c>) of proxies that log in for many
    /// clients (webmail, a front end): exempt from <see cref="MaxFailuresPerAddress"/>. Empty by
    /// default: loopback is counted like any other address unless listed.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>
    /// How long a (user, address) pair that logged in successfully stays known: a known pair is not
    /// refused by <see cref="MaxFailuresPerUser"/> (guesses from elsewhere cannot lock the real user
    /// out of the client it uses), only by its own and its address's limits. Zero: no pair is known.
    /// </summary>
    public TimeSpan KnownClientWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Most users and addresses tracked at once; beyond it, expired windows are swept.</summary>
    public int MaxTracked { get; set; } = 100_000;
}
