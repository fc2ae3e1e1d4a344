using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Interchange.MailAuth.Dkim;

/// <summary>
/// The running server's view of the key store: an immutable <see cref="DkimKeySet"/> swapped
/// whole when the store changes (no lock: readers keep the snapshot they took). On use, at most
/// once per <c>checkInterval</c>, the store's <see cref="DkimKeyStore.Stamp"/> (a few file
/// times) is compared with the snapshot's; a different one loads the keys again, so a key added
/// with <c>interchange dkim</c> signs within the interval without a restart. A key that does not
/// load is logged and left out; the others go on signing.
/// </summary>
public sealed class DkimKeyring
{
    private readonly DkimKeyStore _store;
    private readonly TimeSpan _checkInterval;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private DkimKeySet _current = DkimKeySet.Empty;
    private long _nextCheck = long.MinValue;

    public DkimKeyring(DkimKeyStore store, TimeSpan checkInterval, ILogger? logger = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _checkInterval = checkInterval;
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public DkimKeyStore Store => _store;

    /// <summary>The keys now, looked at again when the interval has passed.</summary>
    public DkimKeySet Current
    {
        get
        {
            var now = _clock.GetUtcNow().UtcTicks;
            var next = Interlocked.Read(ref _nextCheck);
            // One caller per interval looks at the store (the compare-exchange elects it); the rest use the snapshot they find.
            if (now >= next && Interlocked.CompareExchange(ref _nextCheck, now + _checkInterval.Ticks, next) == next)
            {
                Refresh();
            }

            return Volatile.Read(ref _current);
        }
    }

    /// <summary>Loads the keys again if the store changed since the snapshot; returns the snapshot in force.</summary>
    public DkimKeySet Refresh()
    {
        var seen = Volatile.Read(ref _current);
        string stamp;
        try
        {
            stamp = _store.Stamp();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("dkim: cannot read the key store {Root}: {Reason}; signing with the keys loaded before", _store.Root, ex.Message);
            return seen;
        }

        if (stamp == seen.Stamp)
        {
            return seen;
        }

        var loaded = new DkimKeySet(Load(), stamp);
        // A slower loader that read an older state must not replace a newer snapshot: swap only over the one this started from.
        Interlocked.CompareExchange(ref _current, loaded, seen);
        _logger.LogInformation("dkim: {Count} key(s) loaded from {Root}", loaded.Count, _store.Root);
        return Volatile.Read(ref _current);
    }

    private List<DkimSigningKey> Load()
    {
        var keys = new List<DkimSigningKey>();
        IReadOnlyList<DkimKeyInfo> infos;
        try
        {
            infos = _store.List();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or DkimKeyStoreException)
        {
            _logger.LogError("dkim: cannot list the keys in {Root}: {Reason}", _store.Root, ex.Message);
            return keys;
        }

        foreach (var info in infos)
        {
            try
            {
                keys.Add(new DkimSigningKey(info, _store.LoadPrivateKey(info)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException or ArgumentException or InvalidCastException or Org.BouncyCastle.Crypto.CryptoException)
            {
                _logger.LogError("dkim: key {Selector}._domainkey.{Domain} does not load: {Reason}", info.Selector, info.Domain, ex.Message);
            }
        }

        return keys;
    }
}
