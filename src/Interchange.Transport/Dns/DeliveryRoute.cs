namespace Interchange.Transport.Dns;

/// <summary>Where a domain's mail goes: the targets in the order to try them, or the failure when none
/// is usable. <see cref="Notes"/> says what was skipped and why (for logs), also on success.</summary>
public sealed class DeliveryRoute
{
    private DeliveryRoute(IReadOnlyList<DeliveryTarget> targets, RouteFailure? failure, IReadOnlyList<string> notes, bool authenticated = false)
    {
        Targets = targets;
        Failure = failure;
        Notes = notes;
        Authenticated = authenticated;
    }

    /// <summary>Hosts to try in order; empty when <see cref="Failure"/> is set.</summary>
    public IReadOnlyList<DeliveryTarget> Targets { get; }

    /// <summary>Null when there is at least one target.</summary>
    public RouteFailure? Failure { get; }

    public IReadOnlyList<string> Notes { get; }

    /// <summary>The MX answer (or, for an implicit MX, its NODATA) came back DNSSEC-validated from the
    /// trusted resolver: the host names are the domain owner's, so DANE may be applied (RFC 7672 2.2.1).</summary>
    public bool Authenticated { get; }

    public bool Succeeded => Failure is null;

    public static DeliveryRoute To(IReadOnlyList<DeliveryTarget> targets, IReadOnlyList<string> notes, bool authenticated = false)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0)
        {
            throw new ArgumentException("a route has targets", nameof(targets));
        }

        return new(targets, null, notes, authenticated);
    }

    public static DeliveryRoute Failed(RouteFailure failure, IReadOnlyList<string> notes)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new([], failure, notes);
    }

    public override string ToString() => Failure is null ? string.Join("; ", Targets) : Failure.ToString();
}
