using System.Diagnostics.Metrics;

namespace Interchange.Directory.Ldap;

/// <summary>What an operator asks about the LDAP link: syncs and their changes, and password checks by outcome.</summary>
public static class LdapMetrics
{
    private static readonly Meter s_meter = new("Interchange.Directory.Ldap");

    /// <summary>Syncs by outcome (<c>ok</c>, <c>failed</c>).</summary>
    public static readonly Counter<long> Syncs = s_meter.CreateCounter<long>("interchange.ldap.syncs", description: "LDAP syncs by outcome");

    /// <summary>Directory changes the sync made, by status (created, changed, removed, failed).</summary>
    public static readonly Counter<long> Changes = s_meter.CreateCounter<long>("interchange.ldap.sync.changes", description: "Directory changes made by the LDAP sync");

    public static readonly Histogram<double> SyncDuration = s_meter.CreateHistogram<double>("interchange.ldap.sync.duration", unit: "s", description: "How long an LDAP sync took");

    /// <summary>Password checks by bind, by outcome (verified, rejected, unavailable).</summary>
    public static readonly Counter<long> Binds = s_meter.CreateCounter<long>("interchange.ldap.binds", description: "Password checks by LDAP bind");
}
