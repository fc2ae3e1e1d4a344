using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;

namespace Interchange.Storage.Content;

/// <summary>
/// Opens the content of accepted and stored messages, wherever the backend keeps it (a file
/// blob or bytes inline in the database). Opening is cheap and reads nothing yet; a reader
/// disposes the content when done.
/// </summary>
public interface IMessageContentStore
{
    /// <summary>The content of an accepted message (as the queue names it).</summary>
    MessageContent Open(BlobRef content);

    /// <summary>A delivered or appended message: its trace prefix followed by its accepted content.</summary>
    MessageContent Open(StoredMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = Open(new BlobRef(message.Blob, message.Size - message.Prefix.Length));
        return message.Prefix.Length == 0 ? body : new PrefixedContent(message.Prefix, body);
    }
}
