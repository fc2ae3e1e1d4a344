using Interchange.Mime.Parsing;
using Interchange.Storage.Blobs;
using Microsoft.Extensions.Caching.Memory;

namespace Interchange.Imap.Fetch;

/// <summary>
/// Parsed structures of stored messages, shared by every IMAP session, so that ENVELOPE,
/// BODYSTRUCTURE, header SEARCH keys and BODY[section] do not re-read and re-parse a message
/// each time a client asks (a client's opening <c>FETCH 1:* (ENVELOPE …)</c> touches them all).
/// <para>
/// A stored message's bytes never change: the prefix is written once at delivery and the blob is
/// content-addressed and immutable. So the key (blob, prefix) names one parse result forever and
/// an entry can never be stale: there is nothing to invalidate (unlike the security-context cache
/// of seed Q193215), only memory to bound. Two sessions missing the same key at once may both
/// parse; they get equal results and one is kept. Structures are read-only after parsing (their
/// lazily computed envelope and decoded header texts are idempotent), so sharing them across
/// threads is safe.
/// </para>
/// <para>
/// It sits in front of the store: a miss is answered from the structure kept with the message
/// at accept or APPEND (<see cref="StructureLoader"/>), and only a message kept without one is
/// parsed (and its structure stored).
/// </para>
/// </summary>
public sealed class MessageStructureCache : IDisposable
{
    private readonly MemoryCache _cache;
    private long _hits;
    private long _misses;

    /// <param name="sizeLimit">Estimated bytes of structures kept at most; 0 disables caching.</param>
    public MessageStructureCache(long sizeLimit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeLimit);
        SizeLimit = sizeLimit;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, sizeLimit), CompactionPercentage = 0.25 });
    }

    public long SizeLimit { get; }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public int Count => _cache.Count;

    /// <summary>The structure of the message made of <paramref name="prefix"/> and <paramref name="blob"/>, parsed by <paramref name="parse"/> when not cached.</summary>
    public MessageStructure GetOrParse(BlobId blob, byte[] prefix, Func<MessageStructure> parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (TryGet(blob, prefix, out var cached))
        {
            return cached;
        }

        var structure = parse();
        Add(blob, prefix, structure);
        return structure;
    }

    /// <summary>The cached structure of the message made of <paramref name="prefix"/> and <paramref name="blob"/>; counts a hit or a miss.</summary>
    public bool TryGet(BlobId blob, byte[] prefix, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MessageStructure? structure)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (_cache.TryGetValue(new Key(blob, prefix), out structure) && structure is not null)
        {
            Interlocked.Increment(ref _hits);
            return true;
        }

        Interlocked.Increment(ref _misses);
        structure = null;
        return false;
    }

    /// <summary>Keeps a structure found elsewhere (the store, a parse), within the size bound.</summary>
    public void Add(BlobId blob, byte[] prefix, MessageStructure structure)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(structure);
        var size = EstimateSize(structure);
        if (SizeLimit > 0 && size <= SizeLimit / 8)
        {
            // One huge message may not push out hundreds of small ones.
            using var entry = _cache.CreateEntry(new Key(blob, prefix));
            entry.Value = structure;
            entry.Size = size;
        }
    }

    /// <summary>
    /// Roughly what a parsed structure holds on the heap: per part its objects, and its header
    /// bytes twice over (raw, and decoded as UTF-16 text once asked for).
    /// </summary>
    public static long EstimateSize(MessageStructure structure)
    {
        ArgumentNullException.ThrowIfNull(structure);
        long size = 256;
        foreach (var part in structure.Parts)
        {
            size += 384 + (3 * part.HeaderRange.Length);
        }

        return size;
    }

    public void Dispose() => _cache.Dispose();

    /// <summary>The blob and the prefix bytes (compared by content: each delivery writes its own array).</summary>
    private readonly struct Key(BlobId blob, byte[] prefix) : IEquatable<Key>
    {
        private readonly BlobId _blob = blob;
        private readonly byte[] _prefix = prefix;

        public bool Equals(Key other) => _blob.Equals(other._blob) && _prefix.AsSpan().SequenceEqual(other._prefix);

        public override bool Equals(object? obj) => obj is Key other && Equals(other);

        public override int GetHashCode()
        {
            var hash = default(HashCode);
            hash.Add(_blob);
            hash.AddBytes(_prefix);
            return hash.ToHashCode();
        }
    }
}
