using System.Collections.Concurrent;
using System.Net;

namespace Interchange.Core.Net;

/// <summary>Counts a service's open connections, in all and per client address, lock-free.</summary>
public sealed class ConnectionLimiter(int maxConnections, int maxConnectionsPerAddress)
{
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private int _total;

    public int Total => Volatile.Read(ref _total);

    /// <summary>Counts the connection in, or returns false (and counts nothing) when a limit is reached.</summary>
    public bool TryEnter(IPAddress address)
    {
        if (Interlocked.Increment(ref _total) > maxConnections)
        {
            Interlocked.Decrement(ref _total);
            return false;
        }

        var count = _perAddress.AddOrUpdate(address, 1, static (_, c) => c + 1);
        if (count > maxConnectionsPerAddress)
        {
            Leave(address);
            return false;
        }

        return true;
    }

    public void Leave(IPAddress address)
    {
        Interlocked.Decrement(ref _total);
        while (true)
        {
            var current = _perAddress.GetValueOrDefault(address);
            if (current <= 1)
            {
                // Remove the entry only if it is still exactly 1: a racing TryEnter keeps it.
                if (_perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, 1)) || current <= 0)
                {
                    return;
                }
            }
            else if (_perAddress.TryUpdate(address, current - 1, current))
            {
                return;
            }
        }
    }
}
