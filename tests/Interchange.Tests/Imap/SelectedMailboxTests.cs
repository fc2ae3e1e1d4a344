using Interchange.Imap.Session;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Shouldly;

namespace Interchange.Tests.Imap;

/// <summary>A session's view: the keywords it announced (RFC 3501 7.2.6) and the messages recent in it (2.3.2).</summary>
public sealed class SelectedMailboxTests
{
    private static StoredMessage Message(long uid, long modSeq, params string[] flags) =>
        new(uid, BlobId.Of([(byte)uid]), [], 10, DateTimeOffset.UnixEpoch, flags, modSeq);

    private static SelectedMailbox View(params StoredMessage[] messages) =>
        new(new MailboxSnapshot(1, "INBOX", 7, messages.Length == 0 ? 1 : messages[^1].Uid + 1, messages.Length == 0 ? 1 : messages.Max(m => m.ModSeq), null, messages), readOnly: false);

    [Fact]
    public void Keywords_InUseAtSelect_AreKnown_AndANewOneIsTakenOnce()
    {
        var view = View(Message(1, 2, "\\Seen", "$Label1"), Message(2, 3, "$label1", "Work"));
        view.Keywords.ShouldBe(["$Label1", "Work"], "keywords compare without case; system flags are not keywords");

        view.TakeKeywords([Message(1, 4, "$LABEL1", "\\Flagged")]).ShouldBeFalse();
        view.TakeKeywords([Message(2, 5, "Work", "Fresh")]).ShouldBeTrue();
        view.TakeKeywords([Message(2, 6, "Fresh")]).ShouldBeFalse();
        view.Keywords.ShouldBe(["$Label1", "Work", "Fresh"]);
    }

    [Fact]
    public void Recent_IsTheClaimedRangeOfTheView_AndAnExpungedMessageLeavesIt()
    {
        var view = View(Message(1, 2), Message(3, 3), Message(5, 4), Message(7, 5));
        view.MarkRecent(2, 5);
        view.IsRecent(1).ShouldBeFalse();
        view.IsRecent(3).ShouldBeTrue();
        view.IsRecent(5).ShouldBeTrue();
        view.IsRecent(7).ShouldBeFalse();
        view.RecentCount.ShouldBe(2);

        view.Refresh(new MailboxChanges(1, "INBOX", 7, 8, 6, [], [1, 5, 7]), allowExpunge: true);
        view.RecentCount.ShouldBe(1, "message 3 was expunged");
        view.MarkRecent(8, 8);
        view.RecentCount.ShouldBe(1, "nothing in the view to mark");
    }
}
