using System.Text;
using Interchange.Smtp.Protocol;
using Shouldly;

namespace Interchange.Tests.Smtp;

public sealed class SmtpProtocolTests
{
    [Fact]
    public void MultiLineReplies_UseDashesThenASpace()
    {
        Encoding.ASCII.GetString(new SmtpReply(250, null, ["host", "PIPELINING", "SIZE 10"]).ToBytes())
            .ShouldBe("250-host\r\n250-PIPELINING\r\n250 SIZE 10\r\n");
        Encoding.ASCII.GetString(new SmtpReply(550, "5.1.1", "no such user").ToBytes())
            .ShouldBe("550 5.1.1 no such user\r\n");
    }

    [Theory]
    [InlineData("SIZE=100 BODY=8BITMIME SMTPUTF8", 3)]
    [InlineData("", 0)]
    [InlineData("  RET=HDRS  ", 1)]
    public void Parameters_Parse(string text, int count)
    {
        SmtpParameters.TryParse(text, out var parameters, out _).ShouldBeTrue();
        parameters.Count.ShouldBe(count);
    }

    [Theory]
    [InlineData("SIZE=1 size=2")]
    [InlineData("=x")]
    [InlineData("BAD_KEY=1")]
    public void Parameters_Refuse(string text) => SmtpParameters.TryParse(text, out _, out _).ShouldBeFalse();

    [Theory]
    [InlineData("rfc822;user+40example.test", "rfc822;user@example.test")]
    [InlineData("plain", "plain")]
    [InlineData("a+2Bb", "a+b")]
    public void Xtext_Decodes(string xtext, string decoded) => SmtpParameters.DecodeXtext(xtext).ShouldBe(decoded);

    [Theory]
    [InlineData("bad+zz")]
    [InlineData("a+4")]
    [InlineData("with=equals")]
    public void Xtext_RefusesMalformed(string xtext) => SmtpParameters.DecodeXtext(xtext).ShouldBeNull();

    [Fact]
    public void TheStateTable_AllowsTheRfc5321Sequence_AndNothingOutOfIt()
    {
        SmtpStateTable.IsAllowed("MAIL", SmtpState.Connected).ShouldBeFalse("HELO/EHLO first");
        SmtpStateTable.IsAllowed("MAIL", SmtpState.Ready).ShouldBeTrue();
        SmtpStateTable.IsAllowed("MAIL", SmtpState.Mail).ShouldBeFalse("one transaction at a time");
        SmtpStateTable.IsAllowed("RCPT", SmtpState.Ready).ShouldBeFalse();
        SmtpStateTable.IsAllowed("RCPT", SmtpState.Mail).ShouldBeTrue();
        SmtpStateTable.IsAllowed("DATA", SmtpState.Mail).ShouldBeFalse("no valid recipient yet");
        SmtpStateTable.IsAllowed("DATA", SmtpState.Recipients).ShouldBeTrue();
        SmtpStateTable.IsAllowed("DATA", SmtpState.Chunking).ShouldBeFalse("DATA cannot follow BDAT");
        SmtpStateTable.IsAllowed("BDAT", SmtpState.Chunking).ShouldBeTrue();
        SmtpStateTable.IsAllowed("STARTTLS", SmtpState.Mail).ShouldBeFalse();
        SmtpStateTable.IsAllowed("AUTH", SmtpState.Mail).ShouldBeFalse("RFC 4954: not during a transaction");
        foreach (var state in Enum.GetValues<SmtpState>())
        {
            SmtpStateTable.IsAllowed("QUIT", state).ShouldBeTrue();
            SmtpStateTable.IsAllowed("RSET", state).ShouldBeTrue();
            SmtpStateTable.IsAllowed("NOOP", state).ShouldBeTrue();
        }

        SmtpStateTable.IsKnown("FROB").ShouldBeFalse();
    }

    [Theory]
    [InlineData("Received: a\r\nReceived: b\r\nSubject: x\r\n\r\nReceived: in body\r\n", 2)]
    [InlineData("received: lower\r\nRECEIVED: upper\r\n\r\n", 2)]
    [InlineData("Subject: x\r\n Received: folded continuation\r\n\r\n", 0)]
    [InlineData("X-Received: not this\r\nReceived-SPF: nor this\r\n\r\n", 0)]
    [InlineData("Received:\r\n\r\n", 1)]
    public void TraceCounter_CountsReceivedFieldsOfTheHeaderOnly(string message, int expected)
    {
        var bytes = Encoding.ASCII.GetBytes(message);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var counter = new HeaderTraceCounter();
            counter.Observe(bytes.AsSpan(0, cut));
            counter.Observe(bytes.AsSpan(cut));
            counter.ReceivedCount.ShouldBe(expected, $"cut at {cut}");
        }
    }
}
