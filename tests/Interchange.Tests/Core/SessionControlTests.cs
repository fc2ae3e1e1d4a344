using System.Buffers;
using System.IO.Pipelines;
using Interchange.Core.Net;
using Shouldly;

namespace Interchange.Tests.Core;

/// <summary>Deadlines and the minimum data rate, on a clock that moves only when the test says so.</summary>
public sealed class SessionControlTests
{
    private sealed class ManualClock : TimeProvider
    {
        private long _now = 1_000_000;

        public override long TimestampFrequency => 1_000_000; // microseconds

        public override long GetTimestamp() => Interlocked.Read(ref _now);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _now, (long)(by.TotalSeconds * TimestampFrequency));
    }

    private static readonly TimeSpan FiveSeconds = TimeSpan.FromSeconds(5);

    [Fact]
    public void A_login_deadline_is_absolute_a_byte_every_few_seconds_does_not_move_it()
    {
        var clock = new ManualClock();
        using var control = new SessionControl(clock);
        control.SetDeadline(SessionEndReason.LoginTimeout, TimeSpan.FromSeconds(60));

        for (var i = 0; i < 11; i++)
        {
            clock.Advance(FiveSeconds);
            control.ReadCompleted(1);
            control.Tick();
            control.HasEnded.ShouldBeFalse($"{(i + 1) * 5} s after connect");
        }

        clock.Advance(FiveSeconds);
        control.Tick();
        control.Reason.ShouldBe(SessionEndReason.LoginTimeout);
        control.Token.IsCancellationRequested.ShouldBeTrue();
    }

    [Fact]
    public void A_cleared_deadline_never_fires_and_a_set_one_can_be_moved()
    {
        var clock = new ManualClock();
        using var control = new SessionControl(clock);
        control.SetDeadline(SessionEndReason.LoginTimeout, TimeSpan.FromSeconds(10));
        control.SetDeadline(SessionEndReason.CommandTimeout, TimeSpan.FromSeconds(10));
        control.ClearDeadline(SessionEndReason.LoginTimeout);
        clock.Advance(TimeSpan.FromSeconds(8));
        control.SetDeadline(SessionEndReason.CommandTimeout, TimeSpan.FromSeconds(10));

        clock.Advance(TimeSpan.FromSeconds(9));
        control.Tick();
        control.HasEnded.ShouldBeFalse();

        clock.Advance(TimeSpan.FromSeconds(1));
        control.Tick();
        control.Reason.ShouldBe(SessionEndReason.CommandTimeout);
    }

    [Fact]
    public void A_dripping_transfer_ends_after_the_grace_period_a_fast_one_never()
    {
        var clock = new ManualClock();
        var rate = new MinDataRate(240, FiveSeconds);

        using var drip = new SessionControl(clock);
        drip.StartDataRate(rate);
        using var fast = new SessionControl(clock);
        fast.StartDataRate(rate);
        for (var second = 1; second <= 60; second++)
        {
            drip.ReadStarting();
            fast.ReadStarting();
            clock.Advance(TimeSpan.FromSeconds(1));
            drip.ReadCompleted(second % 5 == 0 ? 1 : 0);
            fast.ReadCompleted(1000);
            drip.Tick();
            fast.Tick();
            if (second <= 5)
            {
                drip.HasEnded.ShouldBeFalse($"still in the grace period at {second} s");
            }
        }

        drip.Reason.ShouldBe(SessionEndReason.DataRateTooLow);
        fast.HasEnded.ShouldBeFalse();
    }

    [Fact]
    public void A_wait_in_progress_counts_so_a_client_that_stops_sending_is_caught_mid_read()
    {
        var clock = new ManualClock();
        using var control = new SessionControl(clock);
        control.StartDataRate(new MinDataRate(100, FiveSeconds));
        control.ReadStarting();
        clock.Advance(TimeSpan.FromSeconds(5.5));
        control.Tick();
        control.Reason.ShouldBe(SessionEndReason.DataRateTooLow, "no byte after the grace period, and the read is still waiting");
    }

    [Fact]
    public void Time_the_server_spends_between_reads_does_not_count_against_the_client()
    {
        var clock = new ManualClock();
        using var control = new SessionControl(clock);
        control.StartDataRate(new MinDataRate(100, TimeSpan.FromSeconds(1)));
        for (var i = 0; i < 10; i++)
        {
            control.ReadStarting();
            clock.Advance(TimeSpan.FromSeconds(1));
            control.ReadCompleted(150);
            clock.Advance(TimeSpan.FromSeconds(30)); // e.g. an fsync of the blob, not the client's doing
            control.Tick();
        }

        control.HasEnded.ShouldBeFalse();
        control.StopDataRate();
        control.ReadStarting();
        clock.Advance(TimeSpan.FromMinutes(5));
        control.Tick();
        control.HasEnded.ShouldBeFalse("no rate is timed outside a transfer");
    }

    [Fact]
    public void An_outside_token_ends_the_session_with_its_reason_and_the_first_reason_is_kept()
    {
        using var revoked = new CancellationTokenSource();
        using var stopping = new CancellationTokenSource();
        using var control = new SessionControl(new ManualClock(), stopping: stopping.Token);
        control.EndWhen(SessionEndReason.CredentialsRevoked, revoked.Token);
        control.HasEnded.ShouldBeFalse();

        revoked.Cancel();
        control.Reason.ShouldBe(SessionEndReason.CredentialsRevoked);
        control.Token.IsCancellationRequested.ShouldBeTrue();
        stopping.Cancel();
        control.Reason.ShouldBe(SessionEndReason.CredentialsRevoked);

        using var late = new SessionControl(new ManualClock());
        late.EndWhen(SessionEndReason.CredentialsRevoked, revoked.Token);
        late.Reason.ShouldBe(SessionEndReason.CredentialsRevoked, "a token cancelled before registration ends the session at once");
    }

    [Fact]
    public void One_heartbeat_checks_every_open_session_and_forgets_closed_ones()
    {
        var clock = new ManualClock();
        using var heartbeat = new SessionHeartbeat(clock, start: false);
        var first = heartbeat.Open();
        var second = heartbeat.Open();
        using var third = heartbeat.Open();
        first.SetDeadline(SessionEndReason.LoginTimeout, TimeSpan.FromSeconds(2));
        second.SetDeadline(SessionEndReason.CommandTimeout, TimeSpan.FromSeconds(2));
        heartbeat.Count.ShouldBe(3);

        second.Dispose();
        heartbeat.Count.ShouldBe(2);
        clock.Advance(TimeSpan.FromSeconds(2));
        heartbeat.Beat();

        first.Reason.ShouldBe(SessionEndReason.LoginTimeout);
        second.HasEnded.ShouldBeFalse("a disposed session is no longer checked");
        third.HasEnded.ShouldBeFalse();
        first.Dispose();
        heartbeat.Count.ShouldBe(1);
    }

    [Fact]
    public void A_flush_may_wait_the_grace_period_or_the_time_its_bytes_need_at_the_rate_whichever_is_longer()
    {
        var clock = new ManualClock();
        using var small = new SessionControl(clock);
        using var large = new SessionControl(clock);
        var rate = new MinDataRate(1000, FiveSeconds);
        small.FlushStarting(100, rate);
        large.FlushStarting(20_000, rate); // 20 s at 1000 bytes/s

        clock.Advance(TimeSpan.FromSeconds(6));
        small.Tick();
        large.Tick();
        small.Reason.ShouldBe(SessionEndReason.DataRateTooLow, "the client took nothing for longer than the grace period");
        large.HasEnded.ShouldBeFalse();

        large.FlushCompleted();
        clock.Advance(TimeSpan.FromMinutes(10));
        large.Tick();
        large.HasEnded.ShouldBeFalse("no flush is waiting");
    }

    [Fact]
    public async Task The_timed_writer_lets_go_of_a_flush_the_client_never_takes()
    {
        var clock = new ManualClock();
        using var control = new SessionControl(clock);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 64, resumeWriterThreshold: 32, useSynchronizationContext: false));
        var writer = new TimedPipeWriter(pipe.Writer, control, new MinDataRate(10, TimeSpan.FromSeconds(1)));

        writer.Write(new byte[20]);
        (await writer.FlushAsync()).IsCanceled.ShouldBeFalse("under the pause threshold a flush does not wait");
        writer.Write(new byte[100]);
        var flush = writer.FlushAsync().AsTask();
        flush.IsCompleted.ShouldBeFalse("nobody reads: the flush waits");

        clock.Advance(TimeSpan.FromSeconds(5));
        control.Tick();
        control.HasEnded.ShouldBeFalse("100 bytes at 10 bytes/s may take 10 s");
        clock.Advance(TimeSpan.FromSeconds(6));
        control.Tick();
        control.Reason.ShouldBe(SessionEndReason.DataRateTooLow);
        await Should.ThrowAsync<OperationCanceledException>(flush.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task The_timed_reader_counts_each_byte_once_however_the_parser_consumes()
    {
        var clock = new ManualClock();
        using var control = new SessionControl(clock);
        control.StartDataRate(new MinDataRate(1, FiveSeconds));
        var pipe = new Pipe();
        var reader = new TimedPipeReader(pipe.Reader, control);

        await pipe.Writer.WriteAsync("hello"u8.ToArray());
        var read = await reader.ReadAsync();
        read.Buffer.Length.ShouldBe(5);
        reader.AdvanceTo(read.Buffer.GetPosition(2), read.Buffer.End); // "llo" stays, as a parser waiting for a line end leaves it

        await pipe.Writer.WriteAsync(" world"u8.ToArray());
        read = await reader.ReadAsync();
        read.Buffer.Length.ShouldBe(9);
        reader.AdvanceTo(read.Buffer.End);
        control.TimedBytes.ShouldBe(11, "5 + 6 new bytes; the 3 left unconsumed are not counted twice");

        await pipe.Writer.WriteAsync("!"u8.ToArray());
        reader.TryRead(out read).ShouldBeTrue();
        reader.AdvanceTo(read.Buffer.End);
        control.TimedBytes.ShouldBe(12);
    }
}
