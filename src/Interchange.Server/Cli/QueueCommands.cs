using System.CommandLine;
using System.Globalization;
using Interchange.Directory.Administration;
using Interchange.Server.Hosting;
using Interchange.Storage.Accounts;
using Interchange.Storage.Queue;
using Interchange.Transport.Queue;

namespace Interchange.Server.Cli;

/// <summary>
/// Queue administration, as Postfix's <c>postqueue -p</c>/<c>postsuper</c> and Stalwart's queue API:
/// <c>queue list</c>, <c>show</c>, <c>retry</c>, <c>hold</c>, <c>release</c>, <c>delete</c>,
/// <c>bounce</c> (on one id or a filter) and <c>flush</c>. Each action is one store transaction;
/// with a server running (another process), its connector workers see the change at their next
/// look, within <c>Transport:PollInterval</c>: the change feed that wakes them at once is in-process.
/// </summary>
public static class QueueCommands
{
    /// <summary>The subcommands of <c>interchange queue</c> besides <c>status</c>.</summary>
    public static IEnumerable<Command> Build(Option<string?> data)
    {
        yield return ListCommand(data);
        yield return ShowCommand(data);
        yield return ActionCommand(data, "retry", "Attempt matching deferred recipients now (next attempt now).", "retried", (q, f, ct) => q.RetryAsync(f, ct));
        yield return ActionCommand(data, "hold", "Hold matching recipients: never attempted until released (an attempt under way finishes).", "held", (q, f, ct) => q.HoldAsync(f, ct));
        yield return ActionCommand(data, "release", "Release matching held recipients: attempted now.", "released", (q, f, ct) => q.ReleaseAsync(f, ct));
        yield return ActionCommand(data, "delete", "Delete matching undelivered recipients, with no bounce; messages left with nothing to do go.", "deleted", (q, f, ct) => q.DeleteAsync(f, ct));
        yield return ActionCommand(data, "bounce", "Fail matching pending recipients (\"5.0.0 bounced by the administrator\"): their sender gets a DSN.", "bounced", (q, f, ct) => q.BounceAsync(f, ct));

        var flush = new Command("flush", "Attempt every deferred recipient now (postqueue -f).");
        flush.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var changed = await s.Queue.FlushAsync(ct).ConfigureAwait(false);
            Console.WriteLine($"flushed {Recipients(changed)}{RunningNote(data, r)}");
        }, ct));
        yield return flush;
    }

    /// <summary>The filter options every listing and action takes.</summary>
    private sealed class FilterOptions
    {
        public Option<string?> ToDomain { get; } = new("--to-domain") { Description = "Recipients in this domain" };

        public Option<string?> From { get; } = new("--from") { Description = "Envelope sender: an address, @domain, or <> for bounces" };

        public Option<string?> OlderThan { get; } = new("--older-than") { Description = "Accepted longer ago than this: 90s, 30m, 2h, 5d, 1w" };

        public Option<string?> State { get; } = new("--state") { Description = "new, ready, deferred, inflight, held, failed or delivered" };

        public Option<string?> Connector { get; } = new("--connector") { Description = "Routed to this connector (local, smtp, ...)" };

        public void AddTo(Command command)
        {
            command.Options.Add(ToDomain);
            command.Options.Add(From);
            command.Options.Add(OlderThan);
            command.Options.Add(State);
            command.Options.Add(Connector);
        }

        public bool Any(ParseResult r) =>
            r.GetValue(ToDomain) is not null || r.GetValue(From) is not null || r.GetValue(OlderThan) is not null || r.GetValue(State) is not null || r.GetValue(Connector) is not null;

        public QueueFilter Read(ParseResult r, long? id) => new(
            id,
            r.GetValue(ToDomain),
            r.GetValue(From),
            r.GetValue(OlderThan) is { } age ? ParseAge(age) : null,
            r.GetValue(State) is { } state ? ParseState(state) : null,
            r.GetValue(Connector));
    }

    private static Command ListCommand(Option<string?> data)
    {
        var filter = new FilterOptions();
        var limit = new Option<int>("--limit") { Description = "At most this many messages", DefaultValueFactory = _ => 1000 };
        var list = new Command("list", "List queued messages, one row per recipient (a table on a terminal, tab-separated fields otherwise).") { limit };
        filter.AddTo(list);
        list.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var entries = await s.Queue.ListAsync(filter.Read(r, null), r.GetValue(limit), ct).ConfigureAwait(false);
            var rows = entries.SelectMany(e => e.Recipients.Select(x => new[]
            {
                N(e.Id),
                Time(e.ReceivedAt),
                N(e.Size),
                Sender(e.Envelope.MailFrom),
                Printable(x.Recipient),
                x.Connector ?? "-",
                StateName(x.State),
                N(x.Attempts),
                Next(x.NextAttempt),
                Printable(x.LastReply ?? ""),
            }));
            Output(["ID", "RECEIVED", "SIZE", "FROM", "RECIPIENT", "CONNECTOR", "STATE", "ATTEMPTS", "NEXT", "LAST REPLY"], rows);
        }, ct));
        return list;
    }

    private static Command ShowCommand(Option<string?> data)
    {
        var id = new Argument<long>("id") { Description = "The queue id (queue list shows it)" };
        var show = new Command("show", "Show a queued message: its envelope and each recipient's state, attempts, last reply and next attempt.") { id };
        show.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var entry = await s.Queue.ShowAsync(r.GetValue(id), ct).ConfigureAwait(false)
                ?? throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"no message {r.GetValue(id)} in the queue");
            var e = entry.Envelope;
            Console.WriteLine($"id: {entry.Id}");
            Console.WriteLine($"received: {Time(entry.ReceivedAt)} from {Printable(e.Client)}{(e.AuthenticatedUser is { } user ? $" (authenticated as {Printable(user)})" : "")}");
            Console.WriteLine($"size: {entry.Size}");
            Console.WriteLine($"sender: {Sender(e.MailFrom)}");
            Console.WriteLine($"parameters: body={e.BodyType ?? "-"} smtputf8={(e.SmtpUtf8 ? "yes" : "no")} ret={e.Return ?? "-"} envid={Printable(e.EnvelopeId ?? "-")}");
            if (e.Folder is { } folder)
            {
                Console.WriteLine($"local folder: {Printable(folder)} (filed there by the SMTP filters)");
            }

            if (e.HoldReason is { } hold)
            {
                Console.WriteLine($"held by a filter: {Printable(hold)} (queue release {entry.Id} to deliver)");
            }

            foreach (var rcpt in e.Recipients)
            {
                Console.WriteLine($"rcpt: {Printable(rcpt.Address)}{(rcpt.Notify is { } n ? " notify=" + n : "")}{(rcpt.OriginalRecipient is { } o ? " orcpt=" + Printable(o) : "")}");
            }

            Console.WriteLine();
            Output(["RECIPIENT", "FROM RCPT", "CONNECTOR", "STATE", "ATTEMPTS", "LAST ATTEMPT", "NEXT", "OWNER", "LAST REPLY"], entry.Recipients.Select(x => new[]
            {
                Printable(x.Recipient),
                Printable(x.Original),
                x.Connector ?? "-",
                StateName(x.State),
                N(x.Attempts),
                x.LastAttempt is { } last ? Time(last) : "-",
                Next(x.NextAttempt),
                x.Owner is { } owner ? $"{Printable(owner)} until {Time(x.LeaseUntil!.Value)}" : "-",
                Printable(x.LastReply ?? ""),
            }));
        }, ct));
        return show;
    }

    /// <summary>An action on one id or on a filter; with neither, refused (exit 2) rather than applied to the whole queue, unless --all.</summary>
    private static Command ActionCommand(Option<string?> data, string name, string description, string done, Func<IQueueStore, QueueFilter, CancellationToken, Task<int>> action)
    {
        var filter = new FilterOptions();
        var id = new Argument<long?>("id") { Description = "The queue id; or give filter options instead", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Every message in the queue" };
        var command = new Command(name, description + " On one id, or on every message the filter options match.") { id, all };
        filter.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            if (r.GetValue(id) is null && !filter.Any(r) && !r.GetValue(all))
            {
                await Console.Error.WriteLineAsync($"interchange: queue {name} needs a queue id, filter options, or --all").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            return await AdminCommands.Run(r, data, async (s, _) =>
            {
                var changed = await action(s.Queue, filter.Read(r, r.GetValue(id)), ct).ConfigureAwait(false);
                Console.WriteLine($"{done} {Recipients(changed)}{RunningNote(data, r)}");
            }, ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>A table on a terminal; for a pipe or a file, one line per row, tab-separated, no header (fields never hold a tab: <see cref="Printable"/>).</summary>
    private static void Output(string[] header, IEnumerable<string[]> rows)
    {
        if (!Console.IsOutputRedirected)
        {
            AdminCommands.Table(header, rows);
            return;
        }

        foreach (var row in rows)
        {
            Console.WriteLine(string.Join('\t', row));
        }
    }

    private static string RunningNote(Option<string?> data, ParseResult r) =>
        DataFolder.Resolve(r.GetValue(data)).IsServerRunning() ? " (the running server acts on it at its next look, within Transport:PollInterval)" : "";

    private static string Recipients(int n) => n == 1 ? "1 recipient" : $"{N(n)} recipients";

    private static TimeSpan ParseAge(string text) => QueueFilterText.TryParseAge(text, out var age)
        ? age
        : throw new DirectoryInputException($"--older-than: '{text}' is not an age (90s, 30m, 2h, 5d, 1w or d.hh:mm:ss)");

    private static QueueItemState ParseState(string text) => QueueFilterText.TryParseState(text, out var state)
        ? state
        : throw new DirectoryInputException($"--state: '{text}' is not a queue state ({QueueFilterText.StateNames})");

    private static string StateName(QueueItemState state) => QueueFilterText.StateName(state);

    /// <summary>When a recipient is due: "now" for one already due (never attempted, or its retry time passed).</summary>
    private static string Next(DateTimeOffset? next) => next is not { } at ? "-" : at <= DateTimeOffset.UtcNow ? "now" : Time(at);

    private static string Sender(string mailFrom) => mailFrom.Length == 0 ? "<>" : Printable(mailFrom);

    private static string Time(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);

    /// <summary>Sender-chosen text made harmless on a terminal; a tab too, so a line's fields stay apart.</summary>
    private static string Printable(string text) => MailCommands.Printable(text);

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
