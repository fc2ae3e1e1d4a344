namespace Interchange.Directory.Security;

/// <summary>Limits on failed logins (<c>Interchange:Authentication:Throttle</c>).</summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Failed logins for one user within <see cref="UserWindow"/> before it is refused.</summary>
    public int MaxFailuresPerUser { get; set; } = 10;

    public TimeSpan UserWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Failed logins from one client address within <see cref="AddressWindow"/> before it is refused.</summary>
    public int MaxFailuresPerAddress { get; set; } = 30;

    public TimeSpan AddressWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most users and addresses tracked at once; beyond it, expired windows are swept.</summary>
    public int MaxTracked { get; set; } = 100_000;
}
