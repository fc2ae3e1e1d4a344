namespace Interchange.Transport.Dns;

/// <summary>Why a domain has no usable delivery target: temporary (defer, RFC 3463 4.4.3) or permanent
/// (bounce: 5.1.2 bad destination, 5.1.10 null MX, 5.4.4 unable to route), with words for logs and DSNs.</summary>
public sealed record RouteFailure(bool IsPermanent, string EnhancedStatus, string Reason)
{
    public static RouteFailure Temporary(string reason) => new(false, "4.4.3", reason);

    public static RouteFailure BadDestination(string reason) => new(true, "5.1.2", reason);

    public static RouteFailure NullMx(string reason) => new(true, "5.1.10", reason);

    public static RouteFailure UnableToRoute(string reason) => new(true, "5.4.4", reason);

    public override string ToString() => $"{EnhancedStatus} {Reason}";
}
