using System.Diagnostics;
using Interchange.Storage.Accounts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.Directory.Ldap;

/// <summary>
/// One-way sync from LDAP into Interchange's directory: read users and groups (paged), compare
/// with the store (<see cref="LdapSyncPlanner"/>), and apply the difference through
/// <see cref="IDirectoryStore.ApplyAsync"/>, the path imports take, so the change log ends the
/// sessions of removed or disabled users. One sync at a time per instance; a second caller gets
/// <see cref="LdapSyncBusyException"/> rather than a queue of syncs.
/// </summary>
public sealed class LdapSync(LdapOptions options, ILdapDirectory directory, IDirectoryStore store, ILogger<LdapSync>? logger = null)
{
    /// <summary>Operations per store transaction: a large first sync commits in steps, each one a batch.</summary>
    public const int OperationsPerBatch = 2_000;

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly LdapDirectoryReader _reader = new(options, directory);
    private int _running;

    public bool IsRunning => Volatile.Read(ref _running) != 0;

    /// <summary>Runs one sync; throws <see cref="LdapUnavailableException"/> if LDAP cannot be read (nothing is changed then).</summary>
    public async Task<LdapSyncResult> RunAsync(bool dryRun = false, CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            throw new LdapSyncBusyException();
        }

        var watch = Stopwatch.StartNew();
        try
        {
            var snapshot = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var state = await LdapDirectoryState.ReadAsync(store, cancellationToken).ConfigureAwait(false);
            var plan = LdapSyncPlanner.Plan(snapshot, state, options.CreateDomains);
            var outcomes = new List<(DirectoryOperation, DirectoryOperationOutcome)>(plan.Operations.Count);
            for (var start = 0; start < plan.Operations.Count; start += OperationsPerBatch)
            {
                var part = plan.Operations.Skip(start).Take(OperationsPerBatch).ToList();
                var result = await store.ApplyAsync(new DirectoryBatch(part, DryRun: dryRun), cancellationToken).ConfigureAwait(false);
                foreach (var outcome in result.Outcomes)
                {
                    outcomes.Add((part[outcome.Index], outcome));
                }
            }

            var summary = LdapSyncResult.From(plan, outcomes, watch.Elapsed, dryRun);
            Record(summary);
            return summary;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LdapMetrics.Syncs.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            throw;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private void Record(LdapSyncResult result)
    {
        LdapMetrics.Syncs.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
        LdapMetrics.SyncDuration.Record(result.Duration.TotalSeconds);
        if (!result.DryRun)
        {
            LdapMetrics.Changes.Add(result.Created, new KeyValuePair<string, object?>("status", "created"));
            LdapMetrics.Changes.Add(result.Changed, new KeyValuePair<string, object?>("status", "changed"));
            LdapMetrics.Changes.Add(result.Removed, new KeyValuePair<string, object?>("status", "removed"));
            LdapMetrics.Changes.Add(result.Failed, new KeyValuePair<string, object?>("status", "failed"));
        }

        _logger.LogInformation(
            "LDAP sync{DryRun}: {Users} users, {Aliases} aliases, {Groups} groups in LDAP; {Created} created, {Changed} changed, {Removed} removed, {Failed} failed, {Skipped} skipped in {Seconds:F1} s",
            result.DryRun ? " (dry run)" : "", result.Users, result.Aliases, result.Groups, result.Created, result.Changed, result.Removed, result.Failed, result.Skipped.Count, result.Duration.TotalSeconds);
        foreach (var skipped in result.Skipped.Take(20))
        {
            _logger.LogWarning("LDAP sync skipped {Entry}", skipped);
        }

        foreach (var failure in result.Failures.Take(20))
        {
            _logger.LogWarning("LDAP sync: {Failure}", failure);
        }
    }
}
