using System.IO.Pipelines;
using System.Net;
using Interchange.Core.Net;
using Interchange.Core.Net.Sessions;
using Interchange.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace Interchange.Tests.Core;

/// <summary>
/// Every protocol's sessions are counted by <see cref="ServerSession"/>: one accepted connection
/// and one open connection while it runs (including a connection refused at the limits), back to
/// zero open when it ends, however it ends, under the protocol's own tag.
/// </summary>
public sealed class SessionMetricsTests
{
    [Fact]
    public async Task A_session_counts_as_accepted_and_open_until_it_ends()
    {
        using var accepted = new MetricRecorder("interchange.connections.accepted");
        using var open = new MetricRecorder("interchange.connections");
        var protocol = "test" + Guid.NewGuid().ToString("N")[..8]; // a tag no other test uses
        using var heartbeat = new SessionHeartbeat(start: false);
        using var closed = new CancellationTokenSource();
        var pipe = new Pipe();
        var connection = new AcceptedConnection(IPAddress.Loopback, "c1", new DuplexPipe(pipe.Reader, new Pipe().Writer), false, closed.Token);
        var session = new ProbeSession(protocol, connection, new ConnectionLimiter(10, 10), heartbeat);

        var running = session.RunAsync();
        await session.Serving.Task.WaitAsync(TimeSpan.FromSeconds(30));
        open.With("protocol", protocol).Sum(m => m.Value).ShouldBe(1, "open while it runs");
        accepted.With("protocol", protocol).Sum(m => m.Value).ShouldBe(1);

        session.Finish.SetException(new IOException("peer gone")); // ends as a disconnect
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        open.With("protocol", protocol).Sum(m => m.Value).ShouldBe(0, "closed: back to zero");
        accepted.With("protocol", protocol).Sum(m => m.Value).ShouldBe(1);
    }

    [Fact]
    public async Task A_connection_refused_at_the_limit_is_accepted_and_closed()
    {
        using var accepted = new MetricRecorder("interchange.connections.accepted");
        using var open = new MetricRecorder("interchange.connections");
        var protocol = "test" + Guid.NewGuid().ToString("N")[..8];
        using var heartbeat = new SessionHeartbeat(start: false);
        var connection = new AcceptedConnection(IPAddress.Loopback, "c2", new DuplexPipe(new Pipe().Reader, new Pipe().Writer), false, CancellationToken.None);
        var session = new ProbeSession(protocol, connection, new ConnectionLimiter(0, 0), heartbeat);

        await session.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));

        session.Refused.ShouldBeTrue();
        accepted.With("protocol", protocol).Sum(m => m.Value).ShouldBe(1);
        open.With("protocol", protocol).Sum(m => m.Value).ShouldBe(0);
    }

    private sealed class ProbeSession(string protocol, AcceptedConnection connection, ConnectionLimiter limiter, SessionHeartbeat heartbeat)
        : ServerSession(protocol.ToUpperInvariant(), connection, limiter, heartbeat, null, NullLogger.Instance, CancellationToken.None)
    {
        public TaskCompletionSource Serving { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Finish { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Refused { get; private set; }

        protected override ValueTask RefuseConnectionAsync()
        {
            Refused = true;
            return ValueTask.CompletedTask;
        }

        protected override async Task ServeAsync()
        {
            Serving.SetResult();
            await Finish.Task;
        }

        protected override ValueTask CloseAsync() => ValueTask.CompletedTask;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
