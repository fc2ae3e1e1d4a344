using Interchange.Mime.Parsing;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;

namespace Interchange.Imap.Fetch;

/// <summary>
/// Structures for one command: from the shared cache, else from the store (kept when the
/// message was accepted or appended, offsets relative to the blob, shifted here by the trace
/// prefix the message is shown with), else parsed from the blob, as before this was kept. What
/// had to be parsed is stored by <see cref="SaveAsync"/> (one transaction for the command), so
/// each message is parsed at most once; a stored structure of an unknown version or corrupt is
/// parsed again, and replaced only by a later format change.
/// </summary>
internal sealed class StructureLoader(IMailStore mail, IBlobStore blobs, MessageStructureCache cache)
{
    private readonly List<StoredStructure> _parsed = [];

    /// <summary>How many structures this loader had to parse.</summary>
    public int Parsed { get; private set; }

    /// <summary>The structure of <paramref name="message"/> as IMAP shows it (prefix and blob).</summary>
    public async ValueTask<MessageStructure> GetAsync(StoredMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (cache.TryGet(message.Blob, message.Prefix, out var cached))
        {
            return cached;
        }

        var structure = await LoadAsync(message, cancellationToken).ConfigureAwait(false);
        cache.Add(message.Blob, message.Prefix, structure);
        return structure;
    }

    /// <summary>Stores what was parsed; a failure only means the next reader parses again.</summary>
    public async ValueTask SaveAsync(CancellationToken cancellationToken)
    {
        if (_parsed.Count == 0)
        {
            return;
        }

        var batch = _parsed.ToList();
        _parsed.Clear();
        try
        {
            await mail.SaveStructuresAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch (Interchange.Storage.StoreException)
        {
            // The structures are a cache of the message's bytes; nothing is lost.
        }
    }

    private async ValueTask<MessageStructure> LoadAsync(StoredMessage message, CancellationToken cancellationToken)
    {
        var kept = await mail.GetStructureAsync(message.Blob, cancellationToken).ConfigureAwait(false);
        if (kept is not null && StructureCodec.Decode(kept.Structure, message.Prefix) is { } decoded)
        {
            return decoded;
        }

        MessageStructure parsed;
        await using (var content = blobs.OpenRead(message.Blob))
        {
            parsed = await MimeParser.ParseAsync(content, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        Parsed++;
        var encoded = StructureCodec.Encode(parsed);
        if (kept is null)
        {
            _parsed.Add(new StoredStructure(message.Blob, parsed.Envelope.MessageId, (int)parsed.LimitsHit, encoded));
        }

        if (message.Prefix.Length == 0)
        {
            return parsed;
        }

        // A message whose first line would read differently after the prefix is parsed whole.
        if (StructureCodec.Decode(encoded, message.Prefix) is { } shifted)
        {
            return shifted;
        }

        await using var whole = new ConcatenatedStream(new MemoryStream(message.Prefix, writable: false), () => blobs.OpenRead(message.Blob));
        return await MimeParser.ParseAsync(whole, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
