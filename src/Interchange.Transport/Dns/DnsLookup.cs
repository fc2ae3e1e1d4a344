namespace Interchange.Transport.Dns;

/// <summary>The result of one DNS lookup: an outcome, the records when found, and a reason for logs
/// when not.</summary>
/// <typeparam name="T">The record data (an address, an MX entry, a TXT string, a TLSA entry).</typeparam>
public sealed class DnsLookup<T>
{
    private DnsLookup(DnsOutcome outcome, IReadOnlyList<T> records, string? reason, bool authenticated)
    {
        Outcome = outcome;
        Records = records;
        Reason = reason;
        Authenticated = authenticated;
    }

    public DnsOutcome Outcome { get; }

    /// <summary>The records; empty unless <see cref="Outcome"/> is <see cref="DnsOutcome.Found"/>.</summary>
    public IReadOnlyList<T> Records { get; }

    /// <summary>Why nothing was found, in words for logs and DSNs; null when found.</summary>
    public string? Reason { get; }

    /// <summary>The resolver set the AD bit (RFC 4035 3.2.3): it validated the answer with DNSSEC. Only
    /// meaningful when the resolver is trusted and validating; DANE (RFC 7672) needs this.</summary>
    public bool Authenticated { get; }

    public bool IsFound => Outcome == DnsOutcome.Found;

    public static DnsLookup<T> Found(IReadOnlyList<T> records, bool authenticated = false)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            throw new ArgumentException("a found lookup has records", nameof(records));
        }

        return new(DnsOutcome.Found, records, null, authenticated);
    }

    public static DnsLookup<T> NoSuchDomain(string reason) => new(DnsOutcome.NoSuchDomain, [], reason, false);

    public static DnsLookup<T> NoRecords(string reason, bool authenticated = false) => new(DnsOutcome.NoRecords, [], reason, authenticated);

    public static DnsLookup<T> TemporaryFailure(string reason) => new(DnsOutcome.TemporaryFailure, [], reason, false);

    public override string ToString() => Outcome == DnsOutcome.Found ? $"{Outcome} ({Records.Count})" : $"{Outcome}: {Reason}";
}
