using System.Buffers;
using System.CommandLine;
using System.Globalization;
using Interchange.Directory.Administration;
using Interchange.Mime.Imap;
using Interchange.Mime.Parsing;
using Interchange.Mime.Addresses;
using Interchange.Server.Hosting;
using Interchange.Storage.Accounts;
using Interchange.Storage.Mail;

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
            var boxes = await s.Mail.ListMailboxesAsync(await RequireUserAsync(s, r.GetValue(user)!, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
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
            var userKey = await RequireUserAsync(s, r.GetValue(listUser)!, ct).ConfigureAwait(false);
            var name = r.GetValue(mailbox)!;
            var messages = await s.Mail.ListMessagesAsync(userKey, name, ct).ConfigureAwait(false);
            if (messages.Count == 0)
            {
                await RequireMailboxAsync(s, userKey, r.GetValue(listUser)!, name, ct).ConfigureAwait(false);
            }

            var rows = new List<string[]>(messages.Count);
            foreach (var m in messages)
            {
                var envelope = await ReadEnvelopeAsync(s, m, ct).ConfigureAwait(false);
                rows.Add(
                [
                    N(m.Uid),
                    N(m.Size),
                    m.InternalDate.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture),
                    string.Join(' ', m.Flags),
                    Printable(Sender(envelope)),
                    Printable(envelope.DecodedSubject ?? ""),
                ]);
            }

            AdminCommands.Table(["UID", "SIZE", "RECEIVED", "FLAGS", "FROM", "SUBJECT"], rows);
        }, ct));

        var showUser = AdminCommands.Address("user", "The user's address");
        var uid = new Argument<long>("uid") { Description = "The message's UID" };
        var show = new Command("show", "Write a message, exactly as stored, to standard output.") { showUser, uid, mailbox };
        show.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var message = await s.Mail.GetMessageAsync(await RequireUserAsync(s, r.GetValue(showUser)!, ct).ConfigureAwait(false), r.GetValue(mailbox)!, r.GetValue(uid), ct).ConfigureAwait(false)
                ?? throw new Storage.Accounts.DirectoryStoreException(Storage.Accounts.DirectoryStoreError.NotFound, $"no message {r.GetValue(uid)} in {r.GetValue(mailbox)} of {r.GetValue(showUser)}");
            await using var stdout = Console.OpenStandardOutput();
            await using var content = s.Contents.Open(message);
            await using var stream = content.OpenRead();
            await stream.CopyToAsync(stdout, ct).ConfigureAwait(false);
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
            var local = stats.Pending(Interchange.Transport.Connectors.LocalConnector.ConnectorName);
            Console.WriteLine($"deliveries pending: {stats.PendingDeliveries} (local {local}, remote {stats.PendingDeliveries - local})");
            Console.WriteLine($"deliveries failed: {stats.FailedDeliveries}");
            Console.WriteLine($"oldest message: {(stats.OldestReceivedAt is { } oldest ? $"{oldest:u} ({(DateTimeOffset.UtcNow - oldest).TotalMinutes:F0} min old)" : "none")}");
        }, ct));
        var queue = new Command("queue", "Look at and administer the mail queue.") { status };
        foreach (var command in QueueCommands.Build(data))
        {
            queue.Subcommands.Add(command);
        }

        return queue;
    }

    /// <summary>The user's key, or "not found" (exit 1) for an address that is no user: an empty listing would say
    /// "no mail" when the truth is "no such user".</summary>
    private static async Task<string> RequireUserAsync(StoreServices store, string address, CancellationToken cancellationToken)
    {
        var key = DirectoryService.ParseAddress(address).Key;
        return await store.DirectoryStore.GetUserAsync(key, cancellationToken).ConfigureAwait(false) is not null
            ? key
            : throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"{address} is not a user");
    }

    private static async Task RequireMailboxAsync(StoreServices store, string userKey, string address, string name, CancellationToken cancellationToken)
    {
        // Every user has an INBOX (RFC 3501 5.1), even before the first delivery creates its row.
        if (string.Equals(name, "INBOX", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var boxes = await store.Mail.ListMailboxesAsync(userKey, cancellationToken).ConfigureAwait(false);
        if (!boxes.Any(b => b.Name == name))
        {
            throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"{address} has no mailbox {name}");
        }
    }

    /// <summary>The envelope from the message's header: our prefix and at most the first 64 KiB of the stored message.</summary>
    private static async Task<Envelope> ReadEnvelopeAsync(StoreServices store, StoredMessage message, CancellationToken cancellationToken)
    {
        const int HeaderBudget = 64 * 1024;
        var header = ArrayPool<byte>.Shared.Rent(HeaderBudget);
        try
        {
            return await ReadEnvelopeAsync(store, message, header.AsMemory(0, HeaderBudget), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(header);
        }
    }

    private static async Task<Envelope> ReadEnvelopeAsync(StoreServices store, StoredMessage message, Memory<byte> header, CancellationToken cancellationToken)
    {
        await using var content = store.Contents.Open(message);
        var total = 0;
        int read;

        // Read only until the header's end (the empty line): a listing must not read every body.
        while (total < header.Length
            && (read = await content.ReadAsync(total, header.Slice(total, Math.Min(4096, header.Length - total)), cancellationToken).ConfigureAwait(false)) > 0)
        {
            var searchFrom = Math.Max(0, total - 3);
            total += read;
            if (header.Span[searchFrom..total].IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        var parser = new MimeParser();
        parser.Feed(header.Span[..total]);
        return parser.Complete().Envelope;
    }

    /// <summary>The first From address for a listing: "Name <local@domain>", the name decoded.</summary>
    private static string Sender(Envelope envelope) => envelope.From.Count == 0 ? "" : envelope.From[0] switch
    {
        MailboxAddress { DisplayName: { Length: > 0 } name } mailbox => $"{name} <{mailbox.Address}>",
        MailboxAddress mailbox => mailbox.Address,
        var other => other.DisplayName ?? "",
    };

    /// <summary>A sender's text on the administrator's terminal: control characters (escape sequences) shown as '?'.</summary>
    internal static string Printable(string text) =>
        string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
            }
        });

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
