using Interchange.Smtp.Client;
using Interchange.Smtp.Protocol;
using Shouldly;

namespace Interchange.Tests.Smtp.Client;

/// <summary>The pipelined reply bookkeeping: the n-th RCPT reply belongs to the n-th recipient, then the data reply decides for the accepted ones.</summary>
public sealed class SmtpTransactionOutcomeTests
{
    private static readonly SmtpOutboundRecipient[] Three =
        new[] { "a", "b", "c" }.Select(n => new SmtpOutboundRecipient(new SmtpPath(n, "dest.test"))).ToArray();

    private static readonly SmtpReply Ok = new(250, "2.0.0", "ok");
    private static readonly SmtpReply Broken = new(451, "4.4.2", "timed out");

    private static SmtpOutcomeKind[] Kinds(List<SmtpRecipientOutcome> outcomes) => outcomes.Select(o => o.Kind).ToArray();

    [Fact]
    public void RcptRepliesInOrder_DataReplyForTheAcceptedOnes()
    {
        var outcomes = SmtpTransactionOutcome.Resolve(Three, Ok, [Ok, new SmtpReply(550, "5.1.1", "no"), new SmtpReply(450, "4.2.0", "later")], new SmtpReply(250, "2.0.0", "queued as X"), null);

        Kinds(outcomes).ShouldBe([SmtpOutcomeKind.Delivered, SmtpOutcomeKind.Failed, SmtpOutcomeKind.Deferred]);
        outcomes[0].Reply.Lines.ShouldBe(["queued as X"]);
        outcomes[1].EnhancedCode.ShouldBe("5.1.1");
        outcomes.ShouldAllBe(o => !o.Local);
    }

    [Theory]
    [InlineData(554, SmtpOutcomeKind.Failed)]
    [InlineData(451, SmtpOutcomeKind.Deferred)]
    public void DataRefused_FailsOnlyTheAcceptedRecipients_WithThatReply(int code, SmtpOutcomeKind kind)
    {
        var refusal = new SmtpReply(code, null, "content refused");
        var outcomes = SmtpTransactionOutcome.Resolve(Three, Ok, [Ok, new SmtpReply(550, "5.1.1", "no"), Ok], refusal, null);

        Kinds(outcomes).ShouldBe([kind, SmtpOutcomeKind.Failed, kind]);
        outcomes[0].Reply.ShouldBe(refusal);
        outcomes[0].EnhancedCode.ShouldBe($"{code / 100}.0.0");
        outcomes[1].EnhancedCode.ShouldBe("5.1.1");
    }

    [Fact]
    public void MailRefused_EveryRecipientGetsTheMailReply()
    {
        var refusal = new SmtpReply(553, "5.7.1", "sender refused");
        var outcomes = SmtpTransactionOutcome.Resolve(Three, refusal, [new SmtpReply(503, "5.5.1", "no MAIL"), new SmtpReply(503, "5.5.1", "no MAIL"), new SmtpReply(503, "5.5.1", "no MAIL")], null, null);

        outcomes.ShouldAllBe(o => o.Reply == refusal && o.Kind == SmtpOutcomeKind.Failed);
    }

    [Fact]
    public void SessionBrokeDuringRcptReplies_TheRestAreDeferredLocally()
    {
        var outcomes = SmtpTransactionOutcome.Resolve(Three, Ok, [new SmtpReply(550, "5.1.1", "no")], null, Broken);

        Kinds(outcomes).ShouldBe([SmtpOutcomeKind.Failed, SmtpOutcomeKind.Deferred, SmtpOutcomeKind.Deferred]);
        outcomes[0].Local.ShouldBeFalse();
        outcomes[1].Local.ShouldBeTrue();
        outcomes[1].Reply.ShouldBe(Broken);
    }

    [Fact]
    public void SessionBrokeAfterTheData_AcceptedRecipientsDeferred_NeverDelivered()
    {
        var outcomes = SmtpTransactionOutcome.Resolve(Three, Ok, [Ok, Ok, new SmtpReply(550, "5.1.1", "no")], null, Broken);

        Kinds(outcomes).ShouldBe([SmtpOutcomeKind.Deferred, SmtpOutcomeKind.Deferred, SmtpOutcomeKind.Failed]);
    }

    [Fact]
    public void BrokenBeforeMail_AllDeferred() =>
        Kinds(SmtpTransactionOutcome.Resolve(Three, null, [], null, null)).ShouldAllBe(k => k == SmtpOutcomeKind.Deferred);
}
