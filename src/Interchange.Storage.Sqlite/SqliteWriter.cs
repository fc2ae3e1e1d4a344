using Dapper;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Interchange.Storage.Sqlite;

/// <summary>
/// The single writer of a SQLite database (ARCHITECTURE.md section 6). Concurrent write
/// requests queue up; the writer takes every request waiting, runs them in one transaction
/// (each in its own savepoint), commits once with <c>synchronous=FULL</c>, and only then
/// completes their tasks. Under load, one fsync covers many requests (group commit); alone,
/// a request commits at once, except background work that may wait a moment for company
/// (<see cref="WriteDeferrableAsync{T}"/>).
/// </summary>
public sealed class SqliteWriter : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Channel<WriteRequest> _requests;
    private readonly ILogger _logger;
    private readonly int _maxBatch;
    private readonly TimeSpan _deferral;
    private readonly Task _loop;
    private volatile Exception? _fault;
    private long _commits;
    private long _writes;

    // The lock-wait watchdog (rule 5): waits past the threshold are counted and logged by name.
    private readonly TimeProvider _clock;
    private readonly TimeSpan _lockWaitWarning;
    private readonly ITimer? _watchdog;
    private long _batchStartedTicks; // UTC ticks while a batch holds the writer, 0 when idle
    private long _batchNumber;
    private long _queued; // requests written to the channel and not yet drained (the channel cannot count with a single reader)
    private long _stallReported = -1;
    private string _running = "nothing";
    private string _lastBatch = "nothing yet";

    /// <param name="lockWaitWarning">The watchdog's threshold (<c>Storage:LockWaitWarning</c>); zero or less turns it off.</param>
    /// <param name="clock">The clock waits are measured with (a fake one in tests).</param>
    internal SqliteWriter(SqliteConnection connection, ILogger logger, int maxBatch, TimeSpan deferral = default, TimeSpan? lockWaitWarning = null, TimeProvider? clock = null)
    {
        _connection = connection;
        _logger = logger;
        _maxBatch = maxBatch;
        _deferral = deferral;
        _clock = clock ?? TimeProvider.System;
        _lockWaitWarning = lockWaitWarning ?? DefaultLockWaitWarning;
        _requests = Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions { SingleReader = true });
        if (_lockWaitWarning > TimeSpan.Zero)
        {
            var every = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, _lockWaitWarning.Ticks / 2));
            _watchdog = _clock.CreateTimer(static state => ((SqliteWriter)state!).CheckStallSafely(), this, every, every);
        }

        _loop = Task.Run(RunAsync);
    }

    /// <summary>The default of <c>Storage:LockWaitWarning</c>.</summary>
    public static readonly TimeSpan DefaultLockWaitWarning = TimeSpan.FromSeconds(1);

    /// <summary>Transactions committed so far.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Write requests completed so far (successfully or not).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>
    /// Runs <paramref name="work"/> on the writer's connection inside a batch transaction. The
    /// task completes after the batch is durably committed, or faults with the work's exception
    /// (its changes rolled back) or the commit's. Work must only touch the database: it runs on
    /// the writer and delays every request batched with it.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteWriteContext, T> work, CancellationToken cancellationToken = default) =>
        Enqueue(work, durable: true, cancellationToken);

    /// <summary>
    /// Like <see cref="WriteAsync{T}"/>, for work whose loss in a power cut is redone by itself
    /// (the caller says why): a batch of only such work commits without fsync (WAL,
    /// <c>synchronous=NORMAL</c>). Its changes still precede every later commit in the log, so any
    /// later durable commit makes them durable too; a lost one is lost with everything after it.
    /// Never for anything a client has been or will be told is done on the strength of this commit.
    /// </summary>
    public Task<T> WriteRedoableAsync<T>(Func<SqliteWriteContext, T> work, CancellationToken cancellationToken = default) =>
        Enqueue(work, durable: false, cancellationToken);

    /// <summary>
    /// Like <see cref="WriteAsync{T}"/> (durable), for background work nobody is waiting on with a
    /// connection open (a local delivery): while only background work is queued (such work, and
    /// redoable work such as routing), the writer waits up to the deferral
    /// (<c>Storage:DeferredCommitDelay</c>) for work a client waits on to share its commit. At one
    /// SMTP session this puts a delivery's fsync together with the next message's enqueue, where
    /// alone it would be a second fsync per message that the next enqueue had to wait behind.
    /// </summary>
    public Task<T> WriteDeferrableAsync<T>(Func<SqliteWriteContext, T> work, CancellationToken cancellationToken = default) =>
        Enqueue(work, durable: true, cancellationToken, deferrable: true);

    private Task<T> Enqueue<T>(Func<SqliteWriteContext, T> work, bool durable, CancellationToken cancellationToken, bool deferrable = false, System.Reflection.MethodInfo? named = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        RequireSynchronous(typeof(T));
        if (_fault is { } fault)
        {
            return Task.FromException<T>(new StoreException("the store's writer has failed; restart the server", fault));
        }

        var request = new WriteRequest<T>(work, named ?? work.Method, cancellationToken) { Durable = durable, Deferrable = deferrable, Queued = Stopwatch.GetTimestamp(), QueuedAt = _clock.GetUtcNow() };
        Interlocked.Increment(ref _queued);
        if (!_requests.Writer.TryWrite(request))
        {
            Interlocked.Decrement(ref _queued);
            return Task.FromException<T>(new StoreException("the store is shutting down") { IsUnavailable = true });
        }

        return request.Task;
    }

    public Task WriteAsync(Action<SqliteWriteContext> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Enqueue<bool>(context => { work(context); return true; }, durable: true, cancellationToken, named: work.Method);
    }

    /// <summary>Set when the writer loop itself failed: no write can be committed any more.</summary>
    public Exception? Fault => _fault;

    /// <summary>
    /// Work runs on the writer inside the batch transaction, so it must be synchronous: an async
    /// lambda would return at its first await and run the rest after the commit, outside it.
    /// </summary>
    internal static void RequireSynchronous(Type result)
    {
        if (typeof(Task).IsAssignableFrom(result) || result == typeof(ValueTask) || (result.IsGenericType && result.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            throw new ArgumentException("store work must be synchronous: it runs inside the store's transaction (pass a non-async lambda)");
        }
    }

    /// <summary>Stops taking requests, finishes those queued, and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _requests.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_watchdog is not null)
        {
            await _watchdog.DisposeAsync().ConfigureAwait(false);
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        try
        {
            await LoopAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A defect in the loop itself (not in one request's work): nothing more can be
            // committed. Refuse new writes and fail the queued ones rather than leave them hanging.
            _fault = ex;
            _logger.LogCritical(ex, "The store's writer failed; writes are refused until restart");
            _requests.Writer.TryComplete();
            while (_requests.Reader.TryRead(out var pending))
            {
                pending.Fail(new StoreException("the store's writer has failed; restart the server", ex));
                pending.Complete();
            }
        }
    }

    private async Task LoopAsync()
    {
        var batch = new List<WriteRequest>(_maxBatch);
        while (await _requests.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            Drain(batch);
            if (batch.Count > 0 && _deferral > TimeSpan.Zero && WaitsForCompany(batch))
            {
                await WaitForCompanyAsync(batch).ConfigureAwait(false);
            }

            if (batch.Count > 0)
            {
                CommitBatch(batch);
                batch.Clear();
            }
        }
    }

    private void Drain(List<WriteRequest> batch)
    {
        while (batch.Count < _maxBatch && _requests.Reader.TryRead(out var request))
        {
            Interlocked.Decrement(ref _queued);
            if (request.IsCancelled)
            {
                request.Cancel();
                Interlocked.Increment(ref _writes);
            }
            else
            {
                batch.Add(request);
            }
        }
    }

    /// <summary>
    /// A batch waits when it would pay an fsync for background work alone: it holds deferrable
    /// work and nothing but background work (deferrable, or redoable such as routing, which would
    /// commit without fsync on its own but not beside durable work). Work a client waits on ends
    /// the wait.
    /// </summary>
    private static bool WaitsForCompany(List<WriteRequest> batch) =>
        batch.Exists(r => r.Deferrable) && batch.TrueForAll(r => r.Deferrable || !r.Durable);

    /// <summary>Holds a batch of background work until foreground work joins it or the oldest deferrable has waited the deferral.</summary>
    private async Task WaitForCompanyAsync(List<WriteRequest> batch)
    {
        var deadline = batch.Where(r => r.Deferrable).Min(r => r.Queued) + (long)(_deferral.TotalSeconds * Stopwatch.Frequency);
        while (batch.Count < _maxBatch && WaitsForCompany(batch))
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (left <= TimeSpan.Zero)
            {
                return;
            }

            using var timeout = new CancellationTokenSource(left);
            try
            {
                if (!await _requests.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
                {
                    return; // shutting down: commit what there is
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Drain(batch);
        }
    }

    private void CommitBatch(List<WriteRequest> batch)
    {
        var started = Stopwatch.GetTimestamp();
        var redoable = batch.TrueForAll(r => !r.Durable);
        if (redoable)
        {
            _connection.Execute("PRAGMA synchronous = NORMAL");
        }

        var number = Interlocked.Increment(ref _batchNumber);
        var beginning = _clock.GetUtcNow();
        Volatile.Write(ref _running, "BEGIN IMMEDIATE (waiting for the database's write lock)");
        Interlocked.Exchange(ref _batchStartedTicks, beginning.UtcTicks);
        try
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            var begun = _clock.GetUtcNow();
            WatchWaits(batch, number, beginning, begun);
            var context = new SqliteWriteContext(_connection, transaction);
            if (batch.Count == 1)
            {
                // Alone in its batch, a request needs no savepoint: the transaction is its own.
                try
                {
                    Run(batch[0], context);
                    transaction.Commit();
                }
                catch (Exception ex)
                {
                    transaction.Rollback();
                    batch[0].Fail(ex);
                }

                Complete(batch, started);
                return;
            }

            for (var i = 0; i < batch.Count; i++)
            {
                var savepoint = "w" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                transaction.Save(savepoint);
                try
                {
                    Run(batch[i], context);
                    transaction.Release(savepoint);
                }
                catch (Exception ex)
                {
                    transaction.Rollback(savepoint);
                    transaction.Release(savepoint);
                    batch[i].Fail(ex);
                }
            }

            transaction.Commit();
        }
        catch (Exception ex)
        {
            // The transaction did not commit: nothing of this batch is on disk, so every
            // request fails, including those whose own work succeeded.
            _logger.LogError(ex, "SQLite batch of {Count} writes failed to commit", batch.Count);
            foreach (var request in batch)
            {
                request.Fail(ex);
            }
        }

        finally
        {
            if (redoable)
            {
                _connection.Execute("PRAGMA synchronous = FULL");
            }
        }

        Complete(batch, started);
    }

    /// <summary>Runs one request's work, noting what it is so that the watchdog can name what holds the writer.</summary>
    private void Run(WriteRequest request, SqliteWriteContext context)
    {
        if (_watchdog is not null)
        {
            Volatile.Write(ref _running, request.Name);
        }

        request.Run(context);
    }

    /// <summary>
    /// At the start of a batch's transaction: how long the database lock took (another process,
    /// such as the admin CLI, holding it: a busy wait) and how long each request waited for the
    /// writer. Waits past the threshold are counted and logged with the names of the waiters and
    /// of the batch before them (what held the writer).
    /// </summary>
    private void WatchWaits(List<WriteRequest> batch, long number, DateTimeOffset beginning, DateTimeOffset begun)
    {
        StoreMetrics.WriteBatchSize.Record(batch.Count);
        var longest = TimeSpan.Zero;
        List<WriteRequest>? waited = null;
        foreach (var request in batch)
        {
            var wait = begun - request.QueuedAt;
            StoreMetrics.WriteWait.Record(Math.Max(0, wait.TotalSeconds));
            if (_lockWaitWarning > TimeSpan.Zero && wait > _lockWaitWarning)
            {
                (waited ??= []).Add(request);
                longest = wait > longest ? wait : longest;
            }
        }

        var busy = begun - beginning;
        if (_lockWaitWarning > TimeSpan.Zero && busy > _lockWaitWarning)
        {
            StoreMetrics.LockWaits.Add(1, new KeyValuePair<string, object?>("kind", StoreMetrics.Busy));
            _logger.LogWarning("lock wait: the store's writer waited {Seconds:F2} s for the database's write lock (held by another connection: another process on the same file?) before batch {Batch} of {Count} write(s)", busy.TotalSeconds, number, batch.Count);
        }

        if (waited is not null)
        {
            StoreMetrics.LockWaits.Add(waited.Count, new KeyValuePair<string, object?>("kind", StoreMetrics.WriterQueue));
            var names = string.Join(", ", waited.Select(r => r.Name).Distinct().Take(8));
            _logger.LogWarning("lock wait: {Count} write request(s) ({Waiters}) waited up to {Seconds:F2} s for the store's writer; before them: {Holder}", waited.Count, names, longest.TotalSeconds, Volatile.Read(ref _lastBatch));
        }
    }

    /// <summary>
    /// The watchdog's timer: a batch holding the writer past the threshold while requests queue
    /// behind it is reported once, while it happens, naming the work that runs (so a hang shows
    /// in the log before anything finishes).
    /// </summary>
    private void CheckStallSafely()
    {
        try
        {
            CheckStall();
        }
        catch (Exception ex)
        {
            // A timer callback that throws ends the process: the watchdog must never be what fails.
            _logger.LogError(ex, "The store's lock-wait watchdog failed");
        }
    }

    internal void CheckStall()
    {
        var startedTicks = Interlocked.Read(ref _batchStartedTicks);
        if (startedTicks == 0 || _lockWaitWarning <= TimeSpan.Zero)
        {
            return;
        }

        var held = _clock.GetUtcNow() - new DateTimeOffset(startedTicks, TimeSpan.Zero);
        var number = Interlocked.Read(ref _batchNumber);
        var waiting = Interlocked.Read(ref _queued);
        if (held <= _lockWaitWarning || waiting == 0 || Interlocked.Exchange(ref _stallReported, number) == number)
        {
            return;
        }

        StoreMetrics.LockWaits.Add(1, new KeyValuePair<string, object?>("kind", StoreMetrics.Stalled));
        _logger.LogWarning("lock wait: {Waiting} write request(s) queued behind the store's writer, which has been in batch {Batch} for {Seconds:F2} s, running {Holder}", waiting, number, held.TotalSeconds, Volatile.Read(ref _running));
    }

    private void Complete(List<WriteRequest> batch, long started)
    {
        Interlocked.Exchange(ref _batchStartedTicks, 0);
        if (_watchdog is not null)
        {
            var elapsedSoFar = Stopwatch.GetElapsedTime(started);
            Volatile.Write(ref _lastBatch, $"a batch of {batch.Count} write(s) ({string.Join(", ", batch.Select(r => r.Name).Distinct().Take(4))}) that took {elapsedSoFar.TotalSeconds:F2} s");
        }

        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _writes, batch.Count);
        foreach (var request in batch)
        {
            request.Complete();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        if (elapsed > TimeSpan.FromSeconds(1))
        {
            _logger.LogWarning("SQLite batch of {Count} writes took {Elapsed:F2} s", batch.Count, elapsed.TotalSeconds);
        }
    }

    private abstract class WriteRequest
    {
        public abstract bool IsCancelled { get; }

        /// <summary>False for work committed by <see cref="WriteRedoableAsync{T}"/>.</summary>
        public bool Durable { get; init; } = true;

        /// <summary>True for work committed by <see cref="WriteDeferrableAsync{T}"/>.</summary>
        public bool Deferrable { get; init; }

        /// <summary>When it was queued (<see cref="Stopwatch"/> ticks).</summary>
        public long Queued { get; init; }

        /// <summary>When it was queued, by the writer's clock (the watchdog's measure).</summary>
        public DateTimeOffset QueuedAt { get; init; }

        /// <summary>What the work is, as the watchdog names it: the method that queued it (<c>SqliteQueueStore.EnqueueAsync</c>).</summary>
        public abstract string Name { get; }

        public abstract void Run(SqliteWriteContext context);

        public abstract void Fail(Exception error);

        public abstract void Complete();

        public abstract void Cancel();
    }

    private sealed class WriteRequest<T>(Func<SqliteWriteContext, T> work, System.Reflection.MethodInfo method, CancellationToken cancellationToken) : WriteRequest
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;
        private Exception? _error;

        public Task<T> Task => _completion.Task;

        public override bool IsCancelled => cancellationToken.IsCancellationRequested;

        public override string Name => WorkNames.Of(method);

        public override void Run(SqliteWriteContext context) => _result = work(context);

        public override void Fail(Exception error) => _error ??= SqliteFailure.Translate(error);

        public override void Complete()
        {
            if (_error is null)
            {
                _completion.TrySetResult(_result);
            }
            else
            {
                _completion.TrySetException(_error);
            }
        }

        public override void Cancel() => _completion.TrySetCanceled(cancellationToken);
    }
}
