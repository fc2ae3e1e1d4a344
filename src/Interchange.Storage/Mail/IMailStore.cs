namespace Interchange.Storage.Mail;

/// <summary>Mailboxes and their messages. Appends go through delivery (queue) for now; IMAP adds the rest.</summary>
public interface IMailStore
{
    Task<IReadOnlyList<MailboxInfo>> ListMailboxesAsync(string userKey, CancellationToken cancellationToken = default);

    /// <summary>Messages of a mailbox in UID order; empty if the mailbox does not exist.</summary>
    Task<IReadOnlyList<StoredMessage>> ListMessagesAsync(string userKey, string mailbox, CancellationToken cancellationToken = default);

    Task<StoredMessage?> GetMessageAsync(string userKey, string mailbox, long uid, CancellationToken cancellationToken = default);
}
