using System.Net;
using System.Text;
using Interchange.Smtp.Filters;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace Interchange.Tests.Smtp.Filters;

public sealed class SpamThresholdFilterTests
{
    private const string Message = "Received: from a by b\r\nFrom: a@example.org\r\nX-Spam-Status: No, score=-50\r\nSubject: hi\r\n\r\nbody\r\n";

    private static async Task<SmtpFilterMessage> RunAsync(double threshold, params (string Name, string Value)[] added)
    {
        var bytes = Encoding.ASCII.GetBytes(Message);
        var message = await SmtpFilterMessage.ReadAsync(() => new MemoryStream(bytes), "a@example.org", ["b@example.net"], CancellationToken.None);
        foreach (var (name, value) in added)
        {
            message.AddHeader(SmtpFilterHeader.Create(name, value));
        }

        var session = new SpamThresholdFilter(threshold, NullLogger.Instance).Open(new Connection())!;
        (await session.MessageAsync(message, CancellationToken.None)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        return message;
    }

    [Theory]
    [InlineData("X-Spamd-Result", "default: False [6.00 / 15.00];\r\n\tR_DKIM_NA(0.00)[]", 6.0, true)]
    [InlineData("X-Spamd-Result", "default: False [5.99 / 15.00]", 6.0, false)]
    [InlineData("X-Spam-Status", "Yes, score=12.3 required=5.0 tests=GTUBE", 6.0, true)]
    [InlineData("X-Spam-Status", "No, score=1.2 required=5.0", 6.0, false)]
    [InlineData("X-Spam-Status", "No, score=7.5 required=8.0", 6.0, true)] // our threshold, not the scanner's
    [InlineData("X-Spam-Score", "9", 10.0, false)]
    [InlineData("X-Spam-Flag", "YES", 6.0, true)] // no score: the scanner's own word
    [InlineData("X-Spam", "No", 6.0, false)]
    public async Task A_score_a_milter_added_is_compared_with_the_threshold(string field, string value, double threshold, bool junk)
    {
        var message = await RunAsync(threshold, (field, value));

        (message.JunkReason is not null).ShouldBe(junk, message.JunkReason);
    }

    [Fact]
    public async Task Fields_that_came_with_the_message_are_the_senders_word_and_not_read()
    {
        var bytes = Encoding.ASCII.GetBytes(Message.Replace("No, score=-50", "Yes, score=99", StringComparison.Ordinal));
        var message = await SmtpFilterMessage.ReadAsync(() => new MemoryStream(bytes), "a@example.org", ["b@example.net"], CancellationToken.None);

        SpamThresholdFilter.Read(message.Headers).ShouldBeNull();
        await new SpamThresholdFilter(1, NullLogger.Instance).Open(new Connection())!.MessageAsync(message, CancellationToken.None);
        message.JunkReason.ShouldBeNull();
    }

    private sealed class Connection : SmtpFilterConnection
    {
        public override string Listener => "smtp";

        public override string HostName => "mx.example.net";

        public override string SessionId => "s";

        public override IPEndPoint Client => new(IPAddress.Loopback, 1);

        public override IPEndPoint? Local => null;

        public override string? Helo => "client";

        public override bool IsTls => false;

        public override string? TlsProtocol => null;

        public override string? TlsCipher => null;

        public override string? AuthenticatedUser => null;

        public override string? TransactionId => null;
    }
}
