namespace Interchange.Transport.Dns;

/// <summary>How a DNS lookup ended. The split between "does not exist" and "could not tell" decides
/// between bouncing a message and deferring it.</summary>
public enum DnsOutcome
{
    /// <summary>The name has records of the type asked for.</summary>
    Found,

    /// <summary>NXDOMAIN (RFC 1035 4.1.1, RCODE 3): the name does not exist. Permanent.</summary>
    NoSuchDomain,

    /// <summary>NODATA (RFC 2308 2.2): the name exists but has no records of this type. Permanent for this type.</summary>
    NoRecords,

    /// <summary>SERVFAIL, REFUSED, a timeout or a network error: the answer is unknown. Try again later.</summary>
    TemporaryFailure,
}
