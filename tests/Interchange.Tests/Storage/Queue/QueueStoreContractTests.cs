using System.Collections.Concurrent;
using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Storage.Queue;

/// <summary>
/// What every <see cref="IQueueStore"/> backend must do (ARCHITECTURE.md rule 2), with the mail
/// store of the same backend as the party that completes local deliveries. A subclass per backend
/// opens stores; every <see cref="OpenAsync"/> after the first is another instance on the same
/// database with a connection and writer of its own, so the concurrent cases race in the
/// database itself, not behind one process's serialising writer.
/// </summary>
public abstract class QueueStoreContractTests : IAsyncLifetime
{
    protected const string Local = "local";
    protected const string Smtp = "smtp";

    protected ManualTimeProvider Clock { get; } = new();

    protected IQueueStore Queue { get; private set; } = null!;

    protected IMailStore Mail { get; private set; } = null!;

    public async Task InitializeAsync() => (Queue, Mail) = await OpenAsync(Clock);

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Opens the stores on the test's database (made at the first call) with its own connection and writer.</summary>
    protected abstract Task<(IQueueStore Queue, IMailStore Mail)> OpenAsync(TimeProvider clock);

    /// <summary>Makes users (keys in example.test) in the directory of the test's database: local delivery stores only for users.</summary>
    protected abstract Task AddUsersAsync(params string[] keys);

    /// <summary>Removes a user from the directory of the test's database.</summary>
    protected abstract Task RemoveUserAsync(string key);

    [Fact]
    public async Task Enqueue_IsFoundAsNew_WithItsEnvelope_AndRoutesNameTheirConnector()
    {
        var envelope = new Envelope("sender@remote.test", [new QueuedRecipient("Alice@example.test", "SUCCESS", "rfc822;alice@example.test"), new QueuedRecipient("friend@elsewhere.test"), new QueuedRecipient("nobody@example.test")], "client [192.0.2.1]", "alice@example.test", "env-1", "HDRS", "8BITMIME", SmtpUtf8: true);
        var id = await Queue.EnqueueAsync(Blob("one"), envelope, Clock.GetUtcNow());

        var found = (await Queue.FindNewAsync(0, 1, 10)).ShouldHaveSingleItem();
        found.Id.ShouldBe(id);
        found.Envelope.ShouldBe(envelope with { Recipients = found.Envelope.Recipients });
        found.Envelope.Recipients.ShouldBe(envelope.Recipients, "in RCPT order, with their DSN parameters");
        found.Blob.ShouldBe(Blob("one"));

        (await Queue.RouteAsync([(found, [new Route("alice@example.test", "Alice@example.test", Local), new Route("friend@elsewhere.test", "friend@elsewhere.test", Smtp), new Route("nobody@example.test", "nobody@example.test", Local, "5.1.1 no such user here")])])).ShouldBe(1);

        (await Queue.FindNewAsync(0, 1, 10)).ShouldBeEmpty("routed messages are no longer new");
        var stats = await Queue.StatisticsAsync();
        (stats.NewMessages, stats.RoutedMessages, stats.FailedDeliveries, stats.PendingDeliveries).ShouldBe((0, 1, 1, 2));
        stats.Pending(Local).ShouldBe(1);
        stats.Pending(Smtp).ShouldBe(1);
        var local = (await Queue.FindPendingAsync(Local, 0, 1, 10)).ShouldHaveSingleItem();
        (local.Recipient, local.Original, local.Connector, local.MessageId, local.MailFrom, local.Attempts).ShouldBe(("alice@example.test", "Alice@example.test", Local, id, "sender@remote.test", 1));
        (await Queue.FindPendingAsync(Smtp, 0, 1, 10)).ShouldHaveSingleItem().Recipient.ShouldBe("friend@elsewhere.test");
    }

    [Fact]
    public async Task A_message_offered_again_with_its_source_key_is_queued_once_until_the_key_is_forgotten()
    {
        // A gateway's pickup after a crash between queueing a file and deleting it.
        var envelope = new Envelope("sender@remote.test", [new QueuedRecipient("alice@example.test")], "gateway", SourceKey: "gateway:foreign:0001-a.eml");
        var first = await Queue.EnqueueAsync(Blob("picked up"), envelope, Clock.GetUtcNow());

        (await Queue.EnqueueAsync(Blob("picked up"), envelope, Clock.GetUtcNow())).ShouldBe(first);
        (await Queue.FindNewAsync(0, 1, 10)).ShouldHaveSingleItem();
        (await Queue.EnqueueAsync(Blob("picked up"), envelope with { SourceKey = "gateway:foreign:0002-a.eml" }, Clock.GetUtcNow())).ShouldNotBe(first, "another file, even with the same bytes");

        Clock.Advance(TimeSpan.FromDays(8));
        (await Queue.ForgetSourcesAsync(Clock.GetUtcNow() - TimeSpan.FromDays(7))).ShouldBe(2);
        (await Queue.EnqueueAsync(Blob("picked up"), envelope, Clock.GetUtcNow())).ShouldNotBe(first, "forgotten after the retention");
    }

    [Fact]
    public async Task Route_TakesAMessageOnce_EvenWhenTwoWorkersFoundIt()
    {
        await EnqueueAsync("m", "alice@example.test");
        var first = (await Queue.FindNewAsync(0, 1, 10)).Single();
        var second = (await Queue.FindNewAsync(0, 1, 10)).Single();

        (await Queue.RouteAsync([(first, [LocalRoute("alice@example.test")])])).ShouldBe(1);
        (await Queue.RouteAsync([(second, [LocalRoute("alice@example.test"), LocalRoute("bob@example.test")])])).ShouldBe(0, "the second worker's view was stale");

        (await Queue.FindPendingAsync(Local, 0, 1, 10)).ShouldHaveSingleItem().Recipient.ShouldBe("alice@example.test");
    }

    [Fact]
    public async Task FindNew_SplitsMessagesAmongPartitions_AndDeferredOnesWaitForTheirTime()
    {
        for (var i = 0; i < 9; i++)
        {
            await EnqueueAsync($"m{i}", "alice@example.test");
        }

        var parts = new List<long>();
        for (var p = 0; p < 3; p++)
        {
            parts.AddRange((await Queue.FindNewAsync(p, 3, 100)).Select(m => m.Id));
        }

        parts.Count.ShouldBe(9);
        parts.Distinct().Count().ShouldBe(9, "each message is in exactly one partition");

        var deferred = (await Queue.FindNewAsync(0, 1, 1)).Single();
        await Queue.DeferNewAsync(deferred.Id, Clock.GetUtcNow().AddMinutes(1));
        (await Queue.FindNewAsync(0, 1, 100)).Select(m => m.Id).ShouldNotContain(deferred.Id);
        Clock.Advance(TimeSpan.FromMinutes(1));
        (await Queue.FindNewAsync(0, 1, 100)).Single(m => m.Id == deferred.Id).Attempts.ShouldBe(1);
    }

    [Fact]
    public async Task FindPending_PartitionsByDestination_SoOneWorkerServesAMailbox()
    {
        var users = Enumerable.Range(0, 7).Select(i => $"user{i}@example.test").ToArray();
        for (var i = 0; i < 28; i++)
        {
            await EnqueueAsync($"m{i}", users[i % users.Length]);
        }

        await RouteAllAsync();
        var seen = new Dictionary<string, int>();
        var all = new List<long>();
        for (var p = 0; p < 3; p++)
        {
            foreach (var item in await Queue.FindPendingAsync(Local, p, 3, 100))
            {
                seen.GetValueOrDefault(item.Recipient, p).ShouldBe(p, $"every item for {item.Recipient} is in one partition");
                seen[item.Recipient] = p;
                all.Add(item.Id);
            }
        }

        all.Count.ShouldBe(28);
        all.Distinct().Count().ShouldBe(28);
    }

    [Fact]
    public async Task FindPending_InAcceptanceOrder_HeldBehindAnEarlierUnroutedMessage()
    {
        var first = await EnqueueAsync("first", "alias@example.test");
        await EnqueueAsync("second", "alice@example.test");
        var news = await Queue.FindNewAsync(0, 1, 10);
        (await Queue.RouteAsync([(news.Single(m => m.Id != first), [LocalRoute("alice@example.test")])])).ShouldBe(1);

        (await Queue.FindPendingAsync(Local, 0, 1, 10)).ShouldBeEmpty("the first message may be for the same mailbox: it is not routed yet");

        (await Queue.RouteAsync([(news.Single(m => m.Id == first), [new Route("alice@example.test", "alias@example.test", Local)])])).ShouldBe(1);
        (await Queue.FindPendingAsync(Local, 0, 1, 10)).Select(i => i.MessageId).ShouldBe([first, first + 1], ignoreOrder: false);
    }

    [Fact]
    public async Task FindPending_IsNotHeldBehindAMessageWhoseRoutingWasPutOff()
    {
        var first = await EnqueueAsync("first", "alice@example.test");
        await EnqueueAsync("second", "alice@example.test");
        await Queue.DeferNewAsync(first, Clock.GetUtcNow().AddMinutes(1));
        await RouteAllAsync();

        (await Queue.FindPendingAsync(Local, 0, 1, 10)).ShouldHaveSingleItem().MessageId.ShouldBe(first + 1);
    }

    [Fact]
    public async Task Deliver_StoresOnce_CompletesTheItem_AndRemovesTheFinishedMessage()
    {
        await AddUsersAsync("alice@example.test");
        await EnqueueAsync("hello", "alice@example.test");
        await RouteAllAsync();
        var items = await Queue.FindPendingAsync(Local, 0, 1, 10);

        (await Mail.DeliverAsync(Deliveries(items))).Delivered.ShouldBe(items.Select(i => i.Id));
        (await Mail.DeliverAsync(Deliveries(items))).Delivered.ShouldBeEmpty("a repeated completion changes nothing");

        var stored = (await Mail.ListMessagesAsync("alice@example.test", "INBOX")).ShouldHaveSingleItem();
        stored.Blob.ShouldBe(Blob("hello").Id);
        Encoding.ASCII.GetString(stored.Prefix).ShouldBe("X-Trace: alice@example.test\r\n");
        var stats = await Queue.StatisticsAsync();
        (stats.NewMessages, stats.RoutedMessages, stats.PendingDeliveries, stats.FailedDeliveries).ShouldBe((0, 0, 0, 0));
        (await Queue.FindPendingAsync(Local, 0, 1, 10)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Fence_RefusesACompletionWhoseViewWentStale()
    {
        await AddUsersAsync("alice@example.test");
        await EnqueueAsync("fenced", "alice@example.test");
        await RouteAllAsync();
        var stale = await Queue.FindPendingAsync(Local, 0, 1, 10);

        // Another worker's attempt failed and put the item off; the first worker wakes up late.
        (await Queue.SetPendingOutcomeAsync(stale, Clock.GetUtcNow().AddMinutes(1), "4.3.0 disk full", fail: false)).ShouldBe(stale.Select(i => i.Id));
        Clock.Advance(TimeSpan.FromMinutes(1));
        (await Mail.DeliverAsync(Deliveries(stale))).Delivered.ShouldBeEmpty("the fence it names is no longer the item's");
        (await Queue.SetPendingOutcomeAsync(stale, Clock.GetUtcNow(), "4.3.0 again", fail: true)).ShouldBeEmpty("nor may it change the outcome");
        (await Mail.ListMessagesAsync("alice@example.test", "INBOX")).ShouldBeEmpty();

        var fresh = (await Queue.FindPendingAsync(Local, 0, 1, 10)).ShouldHaveSingleItem();
        fresh.Attempts.ShouldBe(2);
        (await Mail.DeliverAsync(Deliveries([fresh]))).Delivered.ShouldBe([fresh.Id]);
        (await Queue.SetPendingOutcomeAsync([fresh], Clock.GetUtcNow(), "5.0.0 late", fail: true)).ShouldBeEmpty("a delivered item stays delivered");
        (await Queue.StatisticsAsync()).FailedDeliveries.ShouldBe(0);
    }

    [Fact]
    public async Task Deliver_ToAUserGoneSinceRouting_FailsTheItemOnce_AndStoresNothing()
    {
        await AddUsersAsync("alice@example.test", "bob@example.test");
        await EnqueueAsync("late", "alice@example.test", "bob@example.test");
        await RouteAllAsync();
        var items = await Queue.FindPendingAsync(Local, 0, 1, 10);
        await RemoveUserAsync("alice@example.test");

        var result = await Mail.DeliverAsync(Deliveries(items));
        result.Delivered.ShouldBe([items.Single(i => i.Recipient == "bob@example.test").Id]);
        result.RecipientGone.ShouldBe([items.Single(i => i.Recipient == "alice@example.test").Id]);
        (await Mail.ListMessagesAsync("alice@example.test", "INBOX")).ShouldBeEmpty();

        var again = await Mail.DeliverAsync(Deliveries(items));
        (again.Delivered.Count, again.RecipientGone.Count).ShouldBe((0, 0), "items no longer pending with their fence are left alone");
        var stats = await Queue.StatisticsAsync();
        (stats.PendingDeliveries, stats.FailedDeliveries, stats.RoutedMessages).ShouldBe((0, 1, 1), "the message stays for its bounce");
    }

    [Fact]
    public async Task Fail_CountsAsFailed_AndFinishesNothing()
    {
        await EnqueueAsync("doomed", "alice@example.test");
        await RouteAllAsync();
        var items = await Queue.FindPendingAsync(Local, 0, 1, 10);
        (await Queue.SetPendingOutcomeAsync(items, Clock.GetUtcNow(), "5.1.1 gone", fail: true)).Count.ShouldBe(1);

        var stats = await Queue.StatisticsAsync();
        (stats.RoutedMessages, stats.PendingDeliveries, stats.FailedDeliveries).ShouldBe((1, 0, 1), "the message stays for its bounce");
        (await Queue.FindPendingAsync(Local, 0, 1, 10)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Concurrent_StoresRoutingTheSameMessages_RouteEachOnce()
    {
        const int Messages = 60;
        for (var i = 0; i < Messages; i++)
        {
            await EnqueueAsync($"r{i}", $"user{i % 5}@example.test");
        }

        var stores = await OpenManyAsync(4);
        var taken = await Task.WhenAll(stores.Select(s => Task.Run(async () =>
        {
            var total = 0;
            IReadOnlyList<QueuedMessage> found;
            while ((found = await s.Queue.FindNewAsync(0, 1, 7)).Count > 0)
            {
                total += await s.Queue.RouteAsync(found.Select(m => (m, (IReadOnlyList<Route>)[LocalRoute(m.Envelope.Recipients[0].Address)])).ToList());
            }

            return total;
        })));

        taken.Sum().ShouldBe(Messages, "each message was taken by exactly one store");
        (await Queue.StatisticsAsync()).Pending(Local).ShouldBe(Messages);
    }

    [Fact]
    public async Task Concurrent_WorkersFindingTheSameItems_DeliverEachExactlyOnce_InAcceptanceOrder()
    {
        const int Messages = 80;
        var users = Enumerable.Range(0, 4).Select(i => $"user{i}@example.test").ToArray();
        await AddUsersAsync(users);
        for (var i = 0; i < Messages; i++)
        {
            await EnqueueAsync($"d{i}", users[i % users.Length], users[(i * 7 / 3) % users.Length]);
        }

        await RouteAllAsync();
        var stores = await OpenManyAsync(5);
        var delivered = new ConcurrentBag<long>();
        await Task.WhenAll(stores.Select((s, n) => Task.Run(async () =>
        {
            var random = new Random(n);
            IReadOnlyList<DeliveryItem> found;
            while ((found = await s.Queue.FindPendingAsync(Local, 0, 1, random.Next(1, 6))).Count > 0)
            {
                await Task.Delay(random.Next(3)); // let the others find the same items
                foreach (var id in (await s.Mail.DeliverAsync(Deliveries(found))).Delivered)
                {
                    delivered.Add(id);
                }
            }
        })));

        var expected = (await Queue.StatisticsAsync()).PendingDeliveries;
        expected.ShouldBe(0, "every item was delivered");
        delivered.Count.ShouldBe(delivered.Distinct().Count(), "no item was completed twice");
        var stored = 0;
        foreach (var user in users)
        {
            var inbox = await Mail.ListMessagesAsync(user, "INBOX");
            stored += inbox.Count;
            inbox.Select(m => m.Blob).Distinct().Count().ShouldBe(inbox.Count, $"{user} holds each message once");
            inbox.Select(m => m.Uid).ShouldBe(Enumerable.Range(1, inbox.Count).Select(i => (long)i));
            var sequence = inbox.Select(m => Sequence[m.Blob]).ToList();
            sequence.ShouldBe(sequence.Order().ToList(), $"{user} received in acceptance order");
        }

        stored.ShouldBe(delivered.Count);
    }

    /// <summary>The order each test blob was accepted in, by its id.</summary>
    private Dictionary<BlobId, int> Sequence { get; } = [];

    private async Task<long> EnqueueAsync(string content, params string[] recipients)
    {
        var blob = Blob(content);
        Sequence[blob.Id] = Sequence.Count;
        return await Queue.EnqueueAsync(blob, new Envelope("sender@remote.test", recipients.Distinct().Select(r => new QueuedRecipient(r)).ToList(), "test [127.0.0.1]"), Clock.GetUtcNow());
    }

    /// <summary>Routes every new message, each recipient to the local connector as given.</summary>
    private async Task RouteAllAsync()
    {
        var found = await Queue.FindNewAsync(0, 1, 1000);
        await Queue.RouteAsync(found.Select(m => (m, (IReadOnlyList<Route>)m.Envelope.Recipients.Select(r => LocalRoute(r.Address)).ToList())).ToList());
    }

    private async Task<IReadOnlyList<(IQueueStore Queue, IMailStore Mail)>> OpenManyAsync(int count)
    {
        var stores = new List<(IQueueStore, IMailStore)>();
        for (var i = 0; i < count; i++)
        {
            stores.Add(await OpenAsync(Clock));
        }

        return stores;
    }

    private static Route LocalRoute(string recipient) => new(recipient, recipient, Local);

    private static List<MailboxDelivery> Deliveries(IEnumerable<DeliveryItem> items) =>
        items.Select(i => new MailboxDelivery(i, Encoding.ASCII.GetBytes($"X-Trace: {i.Recipient}\r\n"))).ToList();

    private static BlobRef Blob(string content)
    {
        var bytes = Encoding.ASCII.GetBytes($"Subject: {content}\r\n\r\n{content}\r\n");
        return new BlobRef(BlobId.Of(bytes), bytes.Length);
    }
}
