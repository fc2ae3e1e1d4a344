namespace Interchange.Storage.Mail;

/// <summary>
/// What <see cref="IMailStore.DeliverAsync"/> did, by queue item id, in the order given:
/// <see cref="Delivered"/> were stored and completed; <see cref="RecipientGone"/> were failed with
/// <see cref="RecipientGoneError"/> because their user no longer exists in the directory. An item
/// in neither was no longer pending with its fence (another worker or a retry had it) and was left
/// alone.
/// </summary>
public sealed record DeliveryResult(IReadOnlyList<long> Delivered, IReadOnlyList<long> RecipientGone)
{
    /// <summary>The error an item gets when its user was removed after the message was accepted (RFC 3463 5.1.1).</summary>
    public const string RecipientGoneError = "5.1.1 the mailbox no longer exists";

    public static DeliveryResult None { get; } = new([], []);
}
