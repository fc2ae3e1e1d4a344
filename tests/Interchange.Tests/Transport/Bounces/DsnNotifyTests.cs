using Interchange.Transport.Bounces;
using Shouldly;

namespace Interchange.Tests.Transport.Bounces;

/// <summary>RFC 3461 4.1: which reports a recipient's NOTIFY asks for.</summary>
public sealed class DsnNotifyTests
{
    [Theory]
    [InlineData(null, DsnAction.Failed, false, true)]
    [InlineData(null, DsnAction.Delayed, false, false)]
    [InlineData(null, DsnAction.Delayed, true, true)]
    [InlineData(null, DsnAction.Delivered, true, false)]
    [InlineData("NEVER", DsnAction.Failed, true, false)]
    [InlineData("NEVER", DsnAction.Delayed, true, false)]
    [InlineData("FAILURE", DsnAction.Failed, false, true)]
    [InlineData("FAILURE", DsnAction.Delayed, true, false)]
    [InlineData("DELAY", DsnAction.Delayed, false, true)]
    [InlineData("DELAY", DsnAction.Failed, false, false)]
    [InlineData("SUCCESS", DsnAction.Delivered, false, true)]
    [InlineData("SUCCESS", DsnAction.Relayed, false, true)]
    [InlineData("SUCCESS", DsnAction.Expanded, false, true)]
    [InlineData("SUCCESS", DsnAction.Failed, false, false)]
    [InlineData("SUCCESS,FAILURE", DsnAction.Failed, false, true)]
    [InlineData("success, delay", DsnAction.Delayed, false, true)]
    [InlineData("FAILURE,DELAY", DsnAction.Delivered, true, false)]
    public void Notify_selects_the_reports(string? notify, DsnAction action, bool delayWarnings, bool expected) =>
        DsnNotify.Requests(notify, action, delayWarnings).ShouldBe(expected);
}
