using Interchange.Storage.Queue;

namespace Interchange.Storage.Mail;

/// <summary>
/// A queued delivery to store in its recipient's INBOX (<see cref="DeliveryItem.Recipient"/> is
/// the user key), with the trace fields to put before the message.
/// </summary>
public sealed record MailboxDelivery(DeliveryItem Item, byte[] TracePrefix);
