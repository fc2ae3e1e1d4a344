using System.CommandLine;
using System.Globalization;
using Interchange.Directory.Administration;
using Interchange.Server.Hosting;

namespace Interchange.Server.Cli;

/// <summary>
/// Looking at mail in the store: <c>mailbox list</c>, <c>message list</c>, <c>message show</c>
/// (the message exactly as stored, to standard output) and <c>queue status</c>.
/// </summary>
public static class MailCommands
{
    public static IEnumerable<Command> Build(Option<string?> data)
    {
        yield return MailboxCommand(data);
        yield return MessageCommand(data);
        yield return QueueCommand(data);
    }

    private static Command MailboxCommand(Option<string?> data)
    {
        var user = AdminCommands.Address("user", "The user's address");
        var list = new Command("list", "List a user's mailboxes.") { user };
        list.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var boxes = await s.Mail.ListMailboxesAsync(DirectoryService.ParseAddress(r.GetValue(user)!).Key, ct).ConfigureAwait(false);
            AdminCommands.Table(["MAILBOX", "MESSAGES", "UIDVALIDITY", "UIDNEXT"], boxes.Select(b => new[] { b.Name, N(b.Messages), N(b.UidValidity), N(b.UidNext) }));
        }, ct));
        return new Command("mailbox", "Look at users' mailboxes.") { list };
    }

    private static Command MessageCommand(Option<string?> data)
    {
        var mailbox = new Option<string>("--mailbox", "-m") { Description = "Mailbox name", DefaultValueFactory = _ => "INBOX" };

        var listUser = AdminCommands.Address("user", "The user's address");
        var list = new Command("list", "List the messages of a mailbox.") { listUser, mailbox };
        list.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var messages = await s.Mail.ListMessagesAsync(DirectoryService.ParseAddress(r.GetValue(listUser)!).Key, r.GetValue(mailbox)!, ct).ConfigureAwait(false);
            AdminCommands.Table(["UID", "SIZE", "RECEIVED", "FLAGS"], messages.Select(m => new[] { N(m.Uid), N(m.Size), m.InternalDate.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), string.Join(' ', m.Flags) }));
        }, ct));

        var showUser = AdminCommands.Address("user", "The user's address");
        var uid = new Argument<long>("uid") { Description = "The message's UID" };
        var show = new Command("show", "Write a message, exactly as stored, to standard output.") { showUser, uid, mailbox };
        show.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var message = await s.Mail.GetMessageAsync(DirectoryService.ParseAddress(r.GetValue(showUser)!).Key, r.GetValue(mailbox)!, r.GetValue(uid), ct).ConfigureAwait(false)
                ?? throw new Storage.Directory.DirectoryStoreException(Storage.Directory.DirectoryStoreError.NotFound, $"no message {r.GetValue(uid)} in {r.GetValue(mailbox)} of {r.GetValue(showUser)}");
            await using var stdout = Console.OpenStandardOutput();
            await stdout.WriteAsync(message.Prefix, ct).ConfigureAwait(false);
            await using var body = s.Blobs.OpenRead(message.Blob);
            await body.CopyToAsync(stdout, ct).ConfigureAwait(false);
        }, ct));

        return new Command("message", "Look at stored messages.") { list, show };
    }

    private static Command QueueCommand(Option<string?> data)
    {
        var status = new Command("status", "Count queued messages and deliveries.");
        status.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var stats = await s.Queue.StatisticsAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"messages waiting for routing: {stats.NewMessages}");
            Console.WriteLine($"messages routed, not finished: {stats.RoutedMessages}");
            Console.WriteLine($"deliveries pending: {stats.PendingDeliveries} (local {stats.PendingLocalDeliveries}, remote {stats.PendingRemoteDeliveries})");
            Console.WriteLine($"deliveries failed: {stats.FailedDeliveries}");
        }, ct));
        return new Command("queue", "Look at the mail queue.") { status };
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
