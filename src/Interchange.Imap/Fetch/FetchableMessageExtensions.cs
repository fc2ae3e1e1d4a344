using Interchange.Mime.Parsing;

namespace Interchange.Imap.Fetch;

public static class FetchableMessageExtensions
{
    /// <summary>
    /// The parsed message, or, when parsing throws (a bug reached by the message's bytes), the unparsed reading
    /// (no header, one text/plain body of the raw bytes), so one message cannot break FETCH or SEARCH of a
    /// mailbox. A failure to read the stored bytes is not the message's fault and is left to the caller.
    /// </summary>
    public static MessageStructure StructureOrUnparsed(this IFetchableMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            return message.GetStructure();
        }
        catch (Exception ex) when (ex is not (IOException or OperationCanceledException))
        {
            return MessageStructure.Unparsed(message.Size);
        }
    }
}
