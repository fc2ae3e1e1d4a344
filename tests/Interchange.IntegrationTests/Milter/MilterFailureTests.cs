using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Interchange.Smtp.Filters;
using Interchange.Smtp.Milter;
using Interchange.Testing.Milter;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests.Milter;

/// <summary>Milters that are down or hang: the configured default action answers, within a bound, and the session goes on.</summary>
public sealed class MilterFailureTests
{
    private static readonly IPAddress Address = IPAddress.Parse("127.0.0.115");

    private const string Message = "From: a@example.test\r\nTo: b@interchange.test\r\nSubject: x\r\n\r\nbody\r\n";

    [Theory]
    [InlineData(MilterDefaultAction.TempFail, SmtpFilterVerdictKind.TempFail, "451 4.7.1 Service unavailable - try again later")]
    [InlineData(MilterDefaultAction.Reject, SmtpFilterVerdictKind.Reject, "550 5.7.1 Service unavailable")]
    public async Task AMilterThatIsDown_GivesItsDefaultAction_AtTheConnectStage(MilterDefaultAction action, SmtpFilterVerdictKind kind, string reply)
    {
        var filter = Filter($"inet:{DownPort()}@{Address}", action, TimeSpan.FromSeconds(5));
        var run = await MilterRun.RunAsync(filter, new TestFilterConnection(), "a@example.test", ["b@interchange.test"], Message);
        (run.Stage, run.Verdict.Kind, run.Verdict.Reply!.ToString()).ShouldBe(("connect", kind, reply));
    }

    [Fact]
    public async Task AMilterThatIsDown_IsSkipped_WhenItsDefaultIsAccept()
    {
        var filter = Filter($"unix:/nonexistent/{Guid.NewGuid():N}.sock", MilterDefaultAction.Accept, TimeSpan.FromSeconds(5));
        var run = await MilterRun.RunAsync(filter, new TestFilterConnection(), "a@example.test", ["b@interchange.test"], Message);
        (run.Stage, run.Verdict.Kind).ShouldBe(("message", SmtpFilterVerdictKind.Continue));
        run.Message.ContentChanged.ShouldBeFalse();
    }

    [Fact]
    public async Task AMilterThatAcceptsAndNeverAnswers_IsTimedOut()
    {
        using var listener = new TcpListener(Address, 0);
        listener.Start();
        var accepted = listener.AcceptSocketAsync(); // takes the connection, never reads or writes
        var filter = Filter($"inet:{((IPEndPoint)listener.LocalEndpoint).Port}@{Address}", MilterDefaultAction.TempFail, TimeSpan.FromSeconds(1));

        var clock = Stopwatch.StartNew();
        var run = await MilterRun.RunAsync(filter, new TestFilterConnection(), "a@example.test", ["b@interchange.test"], Message).WaitAsync(TimeSpan.FromSeconds(30));
        clock.Stop();

        (run.Stage, run.Verdict.Reply!.Code).ShouldBe(("connect", 451));
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15));
        (await accepted).Dispose();
    }

    [Fact]
    public async Task AMilterThatHangsMidConversation_IsTimedOut_AndTheRestOfTheSessionHasItsDefault()
    {
        using var listener = new TcpListener(Address, 0);
        listener.Start();
        var milter = PlayUntilMailAsync(listener);
        var filter = Filter($"inet:{((IPEndPoint)listener.LocalEndpoint).Port}@{Address}", MilterDefaultAction.Reject, TimeSpan.FromSeconds(1));
        await using var session = filter.Open(new TestFilterConnection())!;

        (await session.ConnectAsync(default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        (await session.HeloAsync("client.example", default)).Kind.ShouldBe(SmtpFilterVerdictKind.Continue);
        var clock = Stopwatch.StartNew();
        var mail = await session.MailAsync("a@example.test", [], default).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(15));
        mail.Reply!.ToString().ShouldBe("550 5.7.1 Service unavailable");
        (await session.RecipientAsync("b@interchange.test", [], default)).Reply!.Code.ShouldBe(550);
        (await milter.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBe("closed after MAIL");
    }

    private static MilterFilter Filter(string socket, MilterDefaultAction action, TimeSpan timeout) =>
        MilterFilter.Create(new MilterOptions { Name = "failing", Socket = socket, DefaultAction = action, ConnectTimeout = timeout, CommandTimeout = timeout, EndOfMessageTimeout = timeout }, 1 << 20, NullLogger.Instance);

    private static int DownPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(Address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port; // released at once: nothing listens there
    }

    /// <summary>A milter that negotiates, answers CONNECT and HELO, then says nothing to MAIL; reports how the client left.</summary>
    private static async Task<string> PlayUntilMailAsync(TcpListener listener)
    {
        using var socket = await listener.AcceptSocketAsync();
        await using var stream = new NetworkStream(socket);
        while (true)
        {
            var header = new byte[4];
            if (await stream.ReadAtLeastAsync(header, 4, throwOnEndOfStream: false) < 4)
            {
                return "closed early";
            }

            var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
            await stream.ReadExactlyAsync(body);
            switch ((char)body[0])
            {
                case 'O':
                    await stream.WriteAsync(new byte[] { 0, 0, 0, 13, (byte)'O', 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0 });
                    break;
                case 'C' or 'H':
                    await stream.WriteAsync(new byte[] { 0, 0, 0, 1, (byte)'c' });
                    break;
                case 'M':
                    // Hang: read on until the client gives up and closes.
                    return await stream.ReadAsync(new byte[16]) == 0 ? "closed after MAIL" : "sent more after MAIL";
            }
        }
    }
}
