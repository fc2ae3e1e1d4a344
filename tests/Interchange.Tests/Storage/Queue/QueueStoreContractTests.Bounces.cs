using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;
using Shouldly;

namespace Interchange.Tests.Storage.Queue;

/// <summary>The bounce step's contract: unreported failures found per message, reported once, with their DSN in the same transaction.</summary>
public abstract partial class QueueStoreContractTests
{
    /// <summary>How long a never-attempted delivery holds a report back (SqliteQueueStore.FirstRoundHold).</summary>
    private static readonly TimeSpan FirstRoundHold = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task FindUnreported_WaitsForTheFirstRound_ThenGivesItsFailuresTogether_WithTheirDsnFacts()
    {
        var envelope = new Envelope(
            "sender@remote.test",
            [new QueuedRecipient("a@one.test", "FAILURE", "rfc822;a+2Bx@one.test"), new QueuedRecipient("b@one.test"), new QueuedRecipient("c@two.test"), new QueuedRecipient("nobody@example.test")],
            "client [192.0.2.1]",
            EnvelopeId: "env-7",
            Return: "HDRS");
        var acceptedAt = Clock.GetUtcNow();
        var id = await Queue.EnqueueAsync(Blob("first round"), envelope, acceptedAt);
        var news = await Queue.FindNewAsync(0, 1, 10);
        await Queue.RouteAsync([(news.Single(), [
            new Route("a@one.test", "a@one.test", Smtp), new Route("b@one.test", "b@one.test", Smtp), new Route("c@two.test", "c@two.test", Smtp),
            new Route("nobody@example.test", "nobody@example.test", Local, "5.1.1 no such user here")])]);

        (await Queue.FindUnreportedAsync(10)).ShouldBeEmpty("the remote recipients have not been tried yet");
        Clock.Advance(TimeSpan.FromSeconds(1));
        var claimedAt = Clock.GetUtcNow();
        var items = (await Queue.ClaimAsync(Smtp, "w", 10, Lease)).SelectMany(b => b.Items).ToDictionary(i => i.Recipient);
        (await Queue.FindUnreportedAsync(10)).ShouldBeEmpty("attempts are under way");

        Clock.Advance(TimeSpan.FromSeconds(3));
        await Queue.RecordOutcomeAsync([
            DeliveryOutcome.Failed(items["a@one.test"], "550 5.1.1 <a@one.test> no such user") with { RemoteMta = "mx.one.test[192.0.2.25]" },
            DeliveryOutcome.Deferred(items["b@one.test"], Clock.GetUtcNow().AddMinutes(5), "451 4.7.1 greylisted") with { RemoteMta = "mx.one.test[192.0.2.25]" },
        ]);
        (await Queue.FindUnreportedAsync(10)).ShouldBeEmpty("c@two.test is still in flight");
        await Queue.RecordOutcomeAsync([DeliveryOutcome.Failed(items["c@two.test"], "5.4.4 no route to two.test")]);

        var found = (await Queue.FindUnreportedAsync(10)).ShouldHaveSingleItem("b was tried and deferred: it does not hold the report back");
        (found.MessageId, found.Blob, found.ReceivedAt).ShouldBe((id, Blob("first round"), acceptedAt));
        (found.Envelope.MailFrom, found.Envelope.EnvelopeId, found.Envelope.Return).ShouldBe(("sender@remote.test", "env-7", "HDRS"));
        found.Envelope.Recipients.Count.ShouldBe(4);
        found.Failures.Select(f => f.Recipient).ShouldBe(["a@one.test", "c@two.test", "nobody@example.test"], ignoreOrder: true);
        var a = found.Failures.Single(f => f.Recipient == "a@one.test");
        (a.Connector, a.LastReply, a.RemoteMta, a.Notify, a.OriginalRecipient, a.LastAttempt, a.Attempts)
            .ShouldBe((Smtp, "550 5.1.1 <a@one.test> no such user", "mx.one.test[192.0.2.25]", "FAILURE", "rfc822;a+2Bx@one.test", claimedAt, 1));
        var c = found.Failures.Single(f => f.Recipient == "c@two.test");
        (c.RemoteMta, c.Notify, c.OriginalRecipient).ShouldBe((null, null, null));
        var nobody = found.Failures.Single(f => f.Recipient == "nobody@example.test");
        (nobody.Connector, nobody.LastReply, nobody.LastAttempt).ShouldBe((Local, "5.1.1 no such user here", null));
    }

    [Fact]
    public async Task Report_QueuesTheDsn_MarksTheFailures_AndALaterFailureGetsItsOwnReport()
    {
        var id = await EnqueueAsync("two reports", "a@one.test", "b@one.test");
        await RouteRemoteAsync();
        var items = (await Queue.ClaimAsync(Smtp, "w", 10, Lease)).SelectMany(b => b.Items).ToDictionary(i => i.Recipient);
        await Queue.RecordOutcomeAsync([
            DeliveryOutcome.Failed(items["a@one.test"], "550 5.1.1 no such user"),
            DeliveryOutcome.Deferred(items["b@one.test"], Clock.GetUtcNow().AddMinutes(5), "451 try later"),
        ]);
        var first = (await Queue.FindUnreportedAsync(10)).Single();

        var report = await Queue.ReportAsync(first, Dsn("first report"), DsnEnvelope());
        report.Reported.ShouldBeTrue();
        report.OriginalRemoved.ShouldBeFalse("b@one.test is still being retried");
        var dsn = (await Queue.FindNewAsync(0, 1, 10)).ShouldHaveSingleItem("the DSN is queued like an accepted message");
        (dsn.Id, dsn.Envelope.MailFrom, dsn.Envelope.Recipients.Single().Address, dsn.Blob).ShouldBe((report.DsnId!.Value, "", "sender@remote.test", Dsn("first report").Ref));
        (await Queue.FindUnreportedAsync(10)).ShouldBeEmpty("reported once");
        (await Queue.ShowAsync(id)).ShouldNotBeNull();

        // Expiry of the other recipient days later: a report of its own, and the original leaves.
        Clock.Advance(TimeSpan.FromMinutes(5));
        var b = (await Queue.ClaimAsync(Smtp, "w", 10, Lease)).Single().Items.Single();
        await Queue.RecordOutcomeAsync([DeliveryOutcome.Failed(b, "4.4.7 delivery time expired")]);
        var second = (await Queue.FindUnreportedAsync(10)).Single();
        second.Failures.ShouldHaveSingleItem().Recipient.ShouldBe("b@one.test");
        var last = await Queue.ReportAsync(second, Dsn("second report"), DsnEnvelope());
        (last.Reported, last.OriginalRemoved).ShouldBe((true, true));
        last.DsnId.ShouldNotBe(report.DsnId);
        (await Queue.ShowAsync(id)).ShouldBeNull("every recipient failed and was reported");
        (await Queue.StatisticsAsync()).FailedDeliveries.ShouldBe(0);
    }

    [Fact]
    public async Task Report_WithoutADsn_FinishesTheFailures_AndADeliveryAfterwardsRemovesTheMessage()
    {
        // A null sender or NOTIFY=NEVER: the failure is settled, nothing is sent.
        var id = await EnqueueAsync("no dsn", "a@one.test", "b@two.test");
        await RouteRemoteAsync();
        var items = (await Queue.ClaimAsync(Smtp, "w", 10, Lease)).SelectMany(b => b.Items).ToDictionary(i => i.Recipient);
        await Queue.RecordOutcomeAsync([
            DeliveryOutcome.Failed(items["a@one.test"], "550 no"),
            DeliveryOutcome.Deferred(items["b@two.test"], Clock.GetUtcNow(), "421 busy"),
        ]);
        var report = await Queue.ReportAsync((await Queue.FindUnreportedAsync(10)).Single(), null, null);
        (report.Reported, report.DsnId, report.OriginalRemoved).ShouldBe((true, (long?)null, false));
        (await Queue.FindNewAsync(0, 1, 10)).ShouldBeEmpty();

        var b = (await Queue.ClaimAsync(Smtp, "w", 10, Lease)).Single().Items.Single();
        await Queue.RecordOutcomeAsync([DeliveryOutcome.Delivered(b, "250 ok")]);
        (await Queue.ShowAsync(id)).ShouldBeNull("delivered or failed and reported: nothing is left to do");
    }

    [Fact]
    public async Task An_unreported_failure_keeps_its_message_queued_even_when_the_rest_is_delivered()
    {
        var id = await EnqueueAsync("kept", "a@one.test", "b@two.test");
        await RouteRemoteAsync();
        var items = (await Queue.ClaimAsync(Smtp, "w", 10, Lease)).SelectMany(b => b.Items).ToDictionary(i => i.Recipient);
        await Queue.RecordOutcomeAsync([DeliveryOutcome.Failed(items["a@one.test"], "550 no"), DeliveryOutcome.Delivered(items["b@two.test"], "250 ok")]);

        (await Queue.ShowAsync(id)).ShouldNotBeNull("the bounce step still needs its envelope and content");
        (await Queue.FindUnreportedAsync(10)).ShouldHaveSingleItem().Failures.ShouldHaveSingleItem().Recipient.ShouldBe("a@one.test");
    }

    [Fact]
    public async Task A_delivery_never_attempted_or_held_does_not_hold_the_report_back_for_ever()
    {
        await EnqueueAsync("stuck", "a@one.test", "b@two.test", "c@three.test");
        await RouteRemoteAsync();
        (await Queue.HoldAsync(new QueueFilter(ToDomain: "three.test"))).ShouldBe(1);
        (await Queue.BounceAsync(new QueueFilter(ToDomain: "one.test"))).ShouldBe(1);
        (await Queue.FindUnreportedAsync(10)).ShouldBeEmpty("b@two.test may still be tried in this first round");

        Clock.Advance(FirstRoundHold + TimeSpan.FromSeconds(1));
        var found = (await Queue.FindUnreportedAsync(10)).ShouldHaveSingleItem("a connector that never came must not hold the report back, nor a held recipient");
        found.Failures.ShouldHaveSingleItem().LastReply.ShouldBe(IQueueStore.AdministratorBounce);
    }

    [Fact]
    public async Task Report_LosesWhenTheFailuresAreNoLongerAsFound_AndChangesNothing()
    {
        await EnqueueAsync("gone", "a@one.test", "b@one.test");
        await RouteRemoteAsync();
        (await Queue.BounceAsync(QueueFilter.All)).ShouldBe(2);
        var found = (await Queue.FindUnreportedAsync(10)).Single();
        (await Queue.DeleteAsync(new QueueFilter(ToDomain: "one.test", State: QueueItemState.Failed))).ShouldBe(2);

        (await Queue.ReportAsync(found, Dsn("too late"), DsnEnvelope())).ShouldBe(FailureReport.Lost);
        (await Queue.FindNewAsync(0, 1, 10)).ShouldBeEmpty("no DSN for failures that were no longer there");

        // A stale fence: the same delivery, found before its fence moved.
        await EnqueueAsync("fenced", "c@two.test");
        await RouteRemoteAsync();
        await Queue.BounceAsync(QueueFilter.All);
        var real = (await Queue.FindUnreportedAsync(10)).Single();
        var stale = real with { Failures = [real.Failures[0] with { Fence = real.Failures[0].Fence - 1 }] };
        (await Queue.ReportAsync(stale, Dsn("stale"), DsnEnvelope())).Reported.ShouldBeFalse();
        (await Queue.FindUnreportedAsync(10)).ShouldHaveSingleItem();
        (await Queue.ReportAsync(real, Dsn("real"), DsnEnvelope())).Reported.ShouldBeTrue();
    }

    [Fact]
    public async Task Two_reporters_racing_for_the_same_failures_queue_exactly_one_dsn()
    {
        var stores = await OpenManyAsync(2);
        for (var round = 0; round < 10; round++)
        {
            var id = await EnqueueAsync($"raced {round}", $"r{round}@one.test", $"s{round}@two.test");
            await RouteRemoteAsync();
            await Queue.BounceAsync(QueueFilter.ForMessage(id));
            var seen = await Task.WhenAll(stores.Select(s => s.Queue.FindUnreportedAsync(10)));
            var reports = await Task.WhenAll(stores.Select((s, i) => s.Queue.ReportAsync(seen[i].Single(m => m.MessageId == id), Dsn($"dsn {round} by {i}"), DsnEnvelope())));

            reports.Count(r => r.Reported).ShouldBe(1, $"round {round}: one reporter wins");
            reports.Count(r => r.DsnId is not null).ShouldBe(1, $"round {round}: one DSN");
            reports.Single(r => r.Reported).OriginalRemoved.ShouldBeTrue();
            (await Queue.FindNewAsync(0, 1, 100)).Count.ShouldBe(1, "the winner's DSN, waiting for the categorizer");
            await Queue.DeleteAsync(new QueueFilter(State: QueueItemState.New));
        }
    }

    [Fact]
    public async Task FindDelayed_GivesMessagesOlderThanTheCutOff_WithTheirRetriedDeliveries_AndWarnDelayWarnsOnce()
    {
        var accepted = Clock.GetUtcNow();
        var id = await EnqueueAsync("slow", "a@one.test", "b@two.test", "c@three.test", "d@four.test");
        await RouteRemoteAsync();
        (await Queue.HoldAsync(new QueueFilter(ToDomain: "four.test"))).ShouldBe(1);
        var a1 = (await Queue.ClaimAsync(Smtp, "w", 10, Lease, domain: "one.test")).Single().Items.Single();
        var b1 = (await Queue.ClaimAsync(Smtp, "w", 10, Lease, domain: "two.test")).Single().Items.Single();
        await Queue.RecordOutcomeAsync([
            DeliveryOutcome.Deferred(a1, Clock.GetUtcNow().AddHours(1), "451 4.4.1 no answer") with { RemoteMta = "mx.one.test[192.0.2.1]" },
            DeliveryOutcome.Deferred(b1, Clock.GetUtcNow().AddHours(1), "421 busy"),
        ]);

        Clock.Advance(TimeSpan.FromHours(4));
        (await Queue.ClaimAsync(Smtp, "w", 10, Lease, domain: "two.test")).ShouldHaveSingleItem("b is being tried again now");
        (await Queue.FindDelayedAsync(accepted, 10)).ShouldBeEmpty("accepted at the cut-off, not before it");
        var found = (await Queue.FindDelayedAsync(Clock.GetUtcNow(), 10)).ShouldHaveSingleItem();
        (found.MessageId, found.ReceivedAt, found.Envelope.MailFrom).ShouldBe((id, accepted, "sender@remote.test"));
        var a = found.Delayed.ShouldHaveSingleItem("b is in flight, c was never tried, d is held");
        (a.Recipient, a.LastReply, a.RemoteMta, a.Attempts).ShouldBe(("a@one.test", "451 4.4.1 no answer", "mx.one.test[192.0.2.1]", 1));

        var warned = await Queue.WarnDelayAsync(id, Dsn("delayed"), DsnEnvelope());
        (warned.Reported, warned.OriginalRemoved).ShouldBe((true, false));
        (await Queue.FindNewAsync(0, 1, 10)).ShouldHaveSingleItem().Id.ShouldBe(warned.DsnId!.Value);
        (await Queue.WarnDelayAsync(id, Dsn("again"), DsnEnvelope())).ShouldBe(FailureReport.Lost, "one warning per message");
        (await Queue.FindDelayedAsync(Clock.GetUtcNow(), 10)).ShouldBeEmpty();
        (await Queue.FindNewAsync(0, 1, 10)).Count.ShouldBe(1);
    }

    private static StagedContent Dsn(string text)
    {
        var bytes = Encoding.ASCII.GetBytes($"From: MAILER-DAEMON@example.test\r\nSubject: {text}\r\n\r\n{text}\r\n");
        return new StagedContent(new BlobRef(BlobId.Of(bytes), bytes.Length), bytes);
    }

    private static Envelope DsnEnvelope() => new(string.Empty, [new QueuedRecipient("sender@remote.test")], "example.test (delivery status notification)");
}
