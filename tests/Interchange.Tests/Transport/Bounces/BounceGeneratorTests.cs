using System.Collections.Concurrent;
using System.Text;
using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Directory.Resolution;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Interchange.Transport;
using Interchange.Transport.Bounces;
using Interchange.Transport.Connectors;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace Interchange.Tests.Transport.Bounces;

/// <summary>The bounce step on a real embedded store: failures in, one DSN per message out, through the categorizer and the local connector into the sender's INBOX.</summary>
public sealed class BounceGeneratorTests : IAsyncLifetime
{
    private readonly TempDirectory _blobs = new();
    private readonly TransportOptions _options = new() { ClaimBatch = 8, PollInterval = TimeSpan.FromMilliseconds(50) };
    private readonly QueueSignal _newMessages = new();
    private readonly QueueSignal _deliveries = new();
    private readonly QueueSignal _failures = new();
    private readonly LogLines _log = new();
    private SqliteTestDatabase _database = null!;
    private DirectoryService _directory = null!;
    private SqliteQueueStore _queue = null!;
    private SqliteMailStore _mail = null!;
    private SqliteContentStore _contents = null!;
    private MessageAcceptor _acceptor = null!;
    private Categorizer _categorizer = null!;
    private LocalConnector _connector = null!;
    private BounceGenerator _generator = null!;

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        var directoryStore = new SqliteDirectoryStore(_database.Database);
        _directory = new DirectoryService(directoryStore, new PasswordHasher(1000), new DirectoryOptions());
        await _directory.AddDomainAsync("example.test");
        await _directory.AddUserAsync("alice@example.test", null);
        await _directory.AddUserAsync("bob@example.test", null);
        _queue = new SqliteQueueStore(_database.Database);
        _mail = new SqliteMailStore(_database.Database);
        var blobs = new FileBlobStore(_blobs.Path);
        _contents = new SqliteContentStore(_database.Database, blobs);
        _acceptor = new MessageAcceptor(blobs, _queue, _newMessages);
        _categorizer = new Categorizer(_queue, new RecipientResolver(directoryStore), new RoutingTable(), _contents, _newMessages, _deliveries, _options, NullLogger<Categorizer>.Instance);
        _connector = new LocalConnector(_queue, _mail, directoryStore, _deliveries, _options, NullLogger<LocalConnector>.Instance, failures: _failures);
        _generator = new BounceGenerator(_queue, _contents, new DsnBuilder("mail.example.test", _options), _failures, _newMessages, _options, _log);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _blobs.Dispose();
    }

    [Fact]
    public async Task A_recipient_that_fails_gets_one_dsn_in_the_senders_inbox_and_the_original_leaves()
    {
        var original = await AcceptAsync("alice@example.test", "lunch", "bob@example.test", "nobody@example.test");
        await RouteAsync();
        await _directory.RemoveUserAsync("bob@example.test");
        var failuresSeen = _failures.Version;
        await _connector.DeliverBatchAsync(await _queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 10), CancellationToken.None);
        _failures.Version.ShouldBeGreaterThan(failuresSeen, "the connector pulses the bounce step when it fails a recipient");

        (await _generator.RunOnceAsync()).ShouldBe(1);
        (await _generator.RunOnceAsync()).ShouldBe(0, "reported once");
        (await _queue.ShowAsync(original)).ShouldBeNull("both recipients failed and were reported");
        await RouteAsync();
        await _connector.DeliverBatchAsync(await _queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 10), CancellationToken.None);

        var dsn = (await _mail.ListMessagesAsync("alice@example.test", "INBOX")).ShouldHaveSingleItem();
        var text = await ReadAsync(dsn);
        text.ShouldStartWith("Return-Path: <>\r\n", Case.Sensitive, "sent from the null reverse-path");
        text.ShouldContain("report-type=delivery-status");
        text.ShouldContain("From: Mail Delivery System <MAILER-DAEMON@mail.example.test>");
        text.ShouldContain("Final-Recipient: rfc822;bob@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n");
        text.ShouldContain("Diagnostic-Code: X-Interchange; 5.1.1 the mailbox no longer exists");
        text.ShouldContain("Final-Recipient: rfc822;nobody@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n");
        text.ShouldContain("Subject: lunch", Case.Sensitive, "the original comes back");
        _log.Lines.ShouldContain(l => l.Contains($"for message {original} queued to <alice@example.test>", StringComparison.Ordinal));
        var stats = await _queue.StatisticsAsync();
        (stats.NewMessages, stats.RoutedMessages, stats.FailedDeliveries, stats.PendingDeliveries).ShouldBe((0, 0, 0, 0), "the DSN was delivered: the queue is empty");
    }

    [Fact]
    public async Task A_queued_dsn_counts_in_bounces_sent()
    {
        using var sent = new Interchange.Tests.TestSupport.MetricRecorder("interchange.bounces.sent");
        await AcceptAsync(string.Empty, "Undelivered Mail", "nobody@example.test");
        await RouteAsync();
        (await _generator.RunOnceAsync()).ShouldBe(1);
        var afterDropped = sent.With("action", "failed").Sum(m => m.Value);

        await AcceptAsync("alice@example.test", "lunch", "nobody@example.test");
        await RouteAsync();
        (await _generator.RunOnceAsync()).ShouldBe(1);

        // At least one more: the counter is process-wide and other tests bounce in parallel.
        (sent.With("action", "failed").Sum(m => m.Value) - afterDropped).ShouldBeGreaterThanOrEqualTo(1);
        _log.Lines.ShouldContain(l => l.Contains("queued to <alice@example.test>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dsn_that_fails_is_dropped_and_logged_never_bounced()
    {
        var bounce = await AcceptAsync(string.Empty, "Undelivered Mail", "nobody@example.test");
        await RouteAsync();

        (await _generator.RunOnceAsync()).ShouldBe(1);
        (await _queue.ShowAsync(bounce)).ShouldBeNull("the failure is settled and the message leaves");
        (await _queue.FindNewAsync(0, 1, 10)).ShouldBeEmpty("never a bounce of a bounce");
        _log.Lines.ShouldContain(l => l.StartsWith($"DSN for message {bounce} dropped: the message is itself a DSN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Notify_never_settles_the_failure_without_a_dsn()
    {
        var id = await AcceptAsync("alice@example.test", "quiet", [new QueuedRecipient("nobody@example.test", "NEVER")]);
        await RouteAsync();

        (await _generator.RunOnceAsync()).ShouldBe(1);
        (await _queue.ShowAsync(id)).ShouldBeNull();
        (await _queue.FindNewAsync(0, 1, 10)).ShouldBeEmpty();
        _log.Lines.ShouldContain(l => l.StartsWith($"DSN for message {id} dropped: no recipient asked for one", StringComparison.Ordinal));
    }

    [Fact]
    public void A_remote_failure_reports_the_servers_reply_and_name()
    {
        var failure = new ReportableDelivery(1, 1, "a@far.test", "a@far.test", "smtp", "550-5.1.1 <a@far.test>: no such user\r\n550 5.1.1 see https://far.test") { RemoteMta = "mx.far.test[192.0.2.25]", LastAttempt = DateTimeOffset.UnixEpoch };
        var recipient = BounceGenerator.Recipient(failure, DsnAction.Failed);
        (recipient.Status, recipient.RemoteMta, recipient.RemoteReply, recipient.Reason).ShouldBe(("5.1.1", "mx.far.test", failure.LastReply, null));
        BounceGenerator.Recipient(failure with { RemoteMta = "[192.0.2.25]" }, DsnAction.Failed).RemoteMta.ShouldBe("[192.0.2.25]");
        BounceGenerator.EnhancedStatus("4.4.7 delivery time expired").ShouldBe("4.4.7");
        BounceGenerator.EnhancedStatus("554 transaction failed").ShouldBeNull();
        BounceGenerator.EnhancedStatus(null).ShouldBeNull();
    }

    [Fact]
    public async Task Workers_woken_together_report_each_message_once()
    {
        const int Messages = 30;
        var ids = new List<long>();
        for (var i = 0; i < Messages; i++)
        {
            ids.Add(await AcceptAsync("alice@example.test", $"m{i}", $"nobody{i}@example.test"));
        }

        await RouteAsync();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(i => _generator.RunWorkerAsync(i, 4, stop.Token)).ToList();
        _failures.Pulse();
        await Eventually.TrueAsync(async () => (await _queue.FindNewAsync(0, 1, 1000)).Count == Messages, "every message's DSN is queued", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var dsns = await _queue.FindNewAsync(0, 1, 1000);
        dsns.Count.ShouldBe(Messages, "one DSN per message, however many workers were woken");
        dsns.ShouldAllBe(d => d.Envelope.MailFrom == string.Empty && d.Envelope.Recipients.Single().Address == "alice@example.test");
        foreach (var id in ids)
        {
            (await _queue.ShowAsync(id)).ShouldBeNull();
        }
    }

    [Fact]
    public async Task With_DelayWarningAfter_the_sender_of_mail_still_retried_gets_one_delayed_dsn()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var options = new TransportOptions { ClaimBatch = 8, DelayWarningAfter = TimeSpan.FromHours(4) };
        var generator = new BounceGenerator(_queue, _contents, new DsnBuilder("mail.example.test", options), _failures, _newMessages, options, _log, clock);
        var id = await AcceptAsync("alice@example.test", "slow one", "partner@remote.test");
        await RouteAsync();
        var item = (await _queue.ClaimAsync(RoutingTable.SmtpConnector, "test/1", 1, TimeSpan.FromMinutes(1))).Single().Items.Single();
        await _queue.RecordOutcomeAsync([DeliveryOutcome.Deferred(item, DateTimeOffset.UtcNow.AddHours(1), "451 4.7.1 greylisted, try later") with { RemoteMta = "mx.remote.test[192.0.2.7]" }]);

        (await generator.RunOnceAsync()).ShouldBe(0, "not four hours old yet");
        clock.Advance(TimeSpan.FromHours(4) + TimeSpan.FromSeconds(1));
        (await generator.RunOnceAsync()).ShouldBe(1);
        (await generator.RunOnceAsync()).ShouldBe(0, "one warning per message");
        (await _queue.ShowAsync(id)).ShouldNotBeNull("the original is still being retried");
        await RouteAsync();
        await _connector.DeliverBatchAsync(await _queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 10), CancellationToken.None);

        var text = await ReadAsync((await _mail.ListMessagesAsync("alice@example.test", "INBOX")).ShouldHaveSingleItem());
        text.ShouldContain("Subject: Delayed Mail (still being retried)");
        text.ShouldContain("Final-Recipient: rfc822;partner@remote.test\r\nAction: delayed\r\nStatus: 4.7.1\r\nRemote-MTA: dns; mx.remote.test\r\nDiagnostic-Code: smtp; 451 4.7.1 greylisted, try later\r\n");
        text.ShouldContain("Will-Retry-Until: ");
        _log.Lines.ShouldContain(l => l.StartsWith("Delay DSN ", StringComparison.Ordinal) && l.Contains($"for message {id} queued to <alice@example.test>", StringComparison.Ordinal));
    }

    private Task<long> AcceptAsync(string from, string subject, params string[] recipients) =>
        AcceptAsync(from, subject, recipients.Select(r => new QueuedRecipient(r)).ToArray());

    private async Task<long> AcceptAsync(string from, string subject, QueuedRecipient[] recipients)
    {
        var content = Encoding.ASCII.GetBytes($"From: <{from}>\r\nSubject: {subject}\r\n\r\n{subject}\r\n");
        await using var writer = _acceptor.BeginMessage();
        await writer.WriteAsync(content);
        return await _acceptor.CommitAsync(writer, new Envelope(from, recipients, "test [127.0.0.1]"), CancellationToken.None);
    }

    private async Task RouteAsync()
    {
        var found = await _queue.FindNewAsync(0, 1, 1000);
        var routed = new List<(QueuedMessage, IReadOnlyList<Route>)>();
        foreach (var message in found)
        {
            routed.Add((message, await _categorizer.RoutesAsync(message, CancellationToken.None)));
        }

        await _queue.RouteAsync(routed);
    }

    private async Task<string> ReadAsync(Interchange.Storage.Mail.StoredMessage message)
    {
        await using var content = ((Interchange.Storage.Content.IMessageContentStore)_contents).Open(message);
        var bytes = new byte[content.Length];
        var read = 0;
        while (read < bytes.Length)
        {
            read += await content.ReadAsync(read, bytes.AsMemory(read));
        }

        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>The generator's log lines, formatted.</summary>
    private sealed class LogLines : ILogger<BounceGenerator>
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Enqueue(formatter(state, exception));
    }
}
