using System.Text;
using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Directory.Resolution;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Interchange.Transport;
using Interchange.Transport.Connectors;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace Interchange.Tests.Transport;

/// <summary>The categorizer and the local connector at the worker level, on a real embedded store.</summary>
public sealed class LocalConnectorTests : IAsyncLifetime
{
    private readonly TempDirectory _blobs = new();
    private readonly TransportOptions _options = new() { CategorizerWorkers = 3, LocalDeliveryWorkers = 4, ClaimBatch = 4, PollInterval = TimeSpan.FromMilliseconds(50) };
    private readonly QueueSignal _newMessages = new();
    private readonly QueueSignal _deliveries = new();
    private SqliteTestDatabase _database = null!;
    private DirectoryService _directory = null!;
    private SqliteQueueStore _queue = null!;
    private SqliteMailStore _mail = null!;
    private MessageAcceptor _acceptor = null!;
    private Categorizer _categorizer = null!;
    private LocalConnector _connector = null!;

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
        _acceptor = new MessageAcceptor(blobs, _queue, _newMessages);
        _categorizer = new Categorizer(_queue, new RecipientResolver(directoryStore), new RoutingTable(), new SqliteContentStore(_database.Database, blobs), _newMessages, _deliveries, _options, NullLogger<Categorizer>.Instance);
        _connector = new LocalConnector(_queue, _mail, directoryStore, _deliveries, _options, NullLogger<LocalConnector>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _blobs.Dispose();
    }

    [Fact]
    public async Task A_failed_batch_gives_each_item_its_own_outcome_from_its_own_attempts()
    {
        // Review of issue 9: a batch that failed used its oldest item's attempts for all, so a
        // fresh item beside one out of retries was failed with it (mail lost after its 250).
        var options = new TransportOptions { RetrySchedule = [TimeSpan.FromMinutes(1)] };
        var failing = FailingDeliveries.Over(_mail);
        var connector = new LocalConnector(_queue, failing, new SqliteDirectoryStore(_database.Database), _deliveries, options, NullLogger<LocalConnector>.Instance);
        var clock = TimeProvider.System;
        await AcceptAsync("old", ["alice@example.test"]);
        await AcceptAsync("fresh", ["bob@example.test"]);
        var news = await _queue.FindNewAsync(0, 1, 10);
        await _queue.RouteAsync(news.Select(m => (m, (IReadOnlyList<Interchange.Storage.Queue.Route>)[new Interchange.Storage.Queue.Route(m.Envelope.Recipients[0].Address, m.Envelope.Recipients[0].Address, LocalConnector.ConnectorName)])).ToList());
        var first = (await _queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 10)).Single(i => i.Recipient == "alice@example.test");
        await _queue.SetPendingOutcomeAsync([first], clock.GetUtcNow(), "4.3.0 earlier failure", fail: false); // alice's item has used its one retry

        var both = await _queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 10);
        both.Count.ShouldBe(2);
        (await connector.DeliverBatchAsync(both, CancellationToken.None)).ShouldBeEmpty();

        var stats = await _queue.StatisticsAsync();
        (stats.FailedDeliveries, stats.Pending(LocalConnector.ConnectorName)).ShouldBe((1, 1), "alice's item is out of retries; bob's first attempt is retried, not failed");
    }

    [Fact]
    public void Connector_IsNamedAsRoutesNameIt() =>
        (_connector.Name, _connector.Workers).ShouldBe((LocalConnector.ConnectorName, _options.LocalDeliveryWorkers));

    [Fact]
    public async Task Workers_DeliverMessagesAcceptedOneAfterAnother_InAcceptanceOrder()
    {
        const int Messages = 100;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, _options.CategorizerWorkers).Select(i => _categorizer.RunWorkerAsync(i, _options.CategorizerWorkers, stop.Token))
            .Concat(Enumerable.Range(0, _connector.Workers).Select(i => _connector.RunWorkerAsync(i, _connector.Workers, stop.Token)))
            .ToList();

        // As one SMTP client does: each message after the last was accepted; every other one also to bob.
        var sent = new List<BlobId>();
        for (var i = 0; i < Messages; i++)
        {
            sent.Add(await AcceptAsync($"in order {i}", i % 2 == 0 ? ["alice@example.test", "bob@example.test"] : ["alice@example.test"]));
        }

        await Eventually.TrueAsync(async () => (await _mail.ListMessagesAsync("alice@example.test", "INBOX")).Count == Messages, "alice received every message", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(10));

        (await _mail.ListMessagesAsync("alice@example.test", "INBOX")).Select(m => m.Blob).ShouldBe(sent, "alice's UIDs follow acceptance order");
        (await _mail.ListMessagesAsync("bob@example.test", "INBOX")).Select(m => m.Blob).ShouldBe(sent.Where((_, i) => i % 2 == 0), "bob's too");
    }

    [Fact]
    public async Task TwoWorkersWithTheSameItems_StoreOneCopy()
    {
        await AcceptAsync("twice", ["alice@example.test"]);
        await RouteAsync();
        var found = await _queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 10);

        (await _connector.DeliverBatchAsync(found, CancellationToken.None)).ShouldBe(found.Select(i => i.Id));
        (await _connector.DeliverBatchAsync(found, CancellationToken.None)).ShouldBeEmpty();

        var stored = (await _mail.ListMessagesAsync("alice@example.test", "INBOX")).ShouldHaveSingleItem();
        Encoding.UTF8.GetString(stored.Prefix).ShouldBe("Return-Path: <sender@remote.test>\r\nDelivered-To: alice@example.test\r\n");
    }

    [Fact]
    public async Task A_message_filed_as_junk_lands_in_a_Junk_folder_made_with_its_special_use_and_a_held_one_waits()
    {
        await AcceptAsync("junk", ["alice@example.test"], folder: "Junk");
        await AcceptAsync("held", ["bob@example.test"], hold: "milter quarantine: virus");
        await RouteAsync();
        var found = await _queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 10);

        found.ShouldHaveSingleItem().Folder.ShouldBe("Junk"); // the held one is not due
        (await _connector.DeliverBatchAsync(found, CancellationToken.None)).Count.ShouldBe(1);

        (await _mail.ListMessagesAsync("alice@example.test", "Junk")).ShouldHaveSingleItem();
        (await _mail.ListMessagesAsync("alice@example.test", "INBOX")).ShouldBeEmpty();
        (await _mail.ListMailboxesAsync("alice@example.test")).Single(m => m.Name == "Junk").SpecialUse.ShouldBe("\\Junk");
        var held = (await _queue.ListAsync(new QueueFilter(State: QueueItemState.Held))).ShouldHaveSingleItem();
        held.Envelope.HoldReason.ShouldBe("milter quarantine: virus");
        held.Recipients.ShouldHaveSingleItem().Recipient.ShouldBe("bob@example.test");
    }

    [Fact]
    public async Task UserRemovedAfterRouting_FailsTheDelivery_AndMakesNoMailbox()
    {
        await AcceptAsync("too late", ["bob@example.test", "alice@example.test"]);
        await RouteAsync();
        await _directory.RemoveUserAsync("bob@example.test");

        var delivered = await _connector.DeliverBatchAsync(await _queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 10), CancellationToken.None);

        delivered.Count.ShouldBe(1, "alice's copy");
        (await _mail.ListMailboxesAsync("bob@example.test")).ShouldBeEmpty();
        var stats = await _queue.StatisticsAsync();
        (stats.PendingDeliveries, stats.FailedDeliveries, stats.RoutedMessages).ShouldBe((0, 1, 1), "the message stays for its bounce");
    }

    [Fact]
    public async Task UserRemovedBetweenTheConnectorsCheckAndTheCommit_GetsNothing_AndTheItemFails()
    {
        // Review of issue 9: the connector checks the directory, then the store commits; a user
        // removed in between got the message, in an INBOX made for nobody. The store's check, in
        // the delivery's transaction, is what holds.
        var store = new SqliteDirectoryStore(_database.Database);
        var connector = new LocalConnector(_queue, _mail, RemovingAfterAnswer.Over(store, "bob@example.test"), _deliveries, _options, NullLogger<LocalConnector>.Instance);
        await AcceptAsync("raced", ["bob@example.test", "alice@example.test"]);
        await RouteAsync();

        var delivered = await connector.DeliverBatchAsync(await _queue.FindPendingAsync(LocalConnector.ConnectorName, 0, 1, 10), CancellationToken.None);

        (await store.GetUserAsync("bob@example.test")).ShouldBeNull("the race happened: bob was removed after the connector's check");
        delivered.Count.ShouldBe(1, "alice's copy");
        (await _mail.ListMessagesAsync("alice@example.test", "INBOX")).ShouldHaveSingleItem();
        (await _mail.ListMailboxesAsync("bob@example.test")).ShouldBeEmpty();
        var stats = await _queue.StatisticsAsync();
        (stats.PendingDeliveries, stats.FailedDeliveries, stats.RoutedMessages).ShouldBe((0, 1, 1), "bob's item failed; the message stays for its bounce");
    }

    private async Task<BlobId> AcceptAsync(string subject, string[] recipients, string? folder = null, string? hold = null)
    {
        var content = Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\n{subject}\r\n");
        await using var writer = _acceptor.BeginMessage();
        await writer.WriteAsync(content);
        await _acceptor.CommitAsync(writer, new Envelope("sender@remote.test", recipients.Select(r => new QueuedRecipient(r)).ToList(), "test [127.0.0.1]", Folder: folder, HoldReason: hold), CancellationToken.None);
        return BlobId.Of(content);
    }

    private async Task RouteAsync()
    {
        var found = await _queue.FindNewAsync(0, 1, 100);
        var routed = new List<(QueuedMessage, IReadOnlyList<Route>)>();
        foreach (var message in found)
        {
            routed.Add((message, await _categorizer.RoutesAsync(message, CancellationToken.None)));
        }

        (await _queue.RouteAsync(routed)).ShouldBe(found.Count);
    }

    /// <summary>The mail store, except that every delivery fails as if the store were down.</summary>
    public class FailingDeliveries : System.Reflection.DispatchProxy
    {
        private Interchange.Storage.Mail.IMailStore _inner = null!;

        public static Interchange.Storage.Mail.IMailStore Over(Interchange.Storage.Mail.IMailStore inner)
        {
            var proxy = Create<Interchange.Storage.Mail.IMailStore, FailingDeliveries>();
            ((FailingDeliveries)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args) =>
            targetMethod!.Name == nameof(Interchange.Storage.Mail.IMailStore.DeliverAsync)
                ? Task.FromException<Interchange.Storage.Mail.DeliveryResult>(new Interchange.Storage.StoreException("the store failed: disk I/O error", new IOException("disk I/O error")))
                : targetMethod.Invoke(_inner, args);
    }

    /// <summary>The directory store, except that it removes one user just after answering that it exists.</summary>
    public class RemovingAfterAnswer : System.Reflection.DispatchProxy
    {
        private Interchange.Storage.Accounts.IDirectoryStore _inner = null!;
        private string _user = null!;

        public static Interchange.Storage.Accounts.IDirectoryStore Over(Interchange.Storage.Accounts.IDirectoryStore inner, string user)
        {
            var proxy = Create<Interchange.Storage.Accounts.IDirectoryStore, RemovingAfterAnswer>();
            ((RemovingAfterAnswer)(object)proxy)._inner = inner;
            ((RemovingAfterAnswer)(object)proxy)._user = user;
            return proxy;
        }

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args) =>
            targetMethod!.Name == nameof(Interchange.Storage.Accounts.IDirectoryStore.GetUserAsync) && Equals(args![0], _user)
                ? AnswerThenRemoveAsync((CancellationToken)args[1]!)
                : targetMethod.Invoke(_inner, args);

        private async Task<Interchange.Storage.Accounts.UserRecord?> AnswerThenRemoveAsync(CancellationToken cancellationToken)
        {
            var user = await _inner.GetUserAsync(_user, cancellationToken);
            await _inner.RemoveUserAsync(_user, cancellationToken);
            return user;
        }
    }
}
