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

    internal SqliteWriter(SqliteConnection connection, ILogger logger, int maxBatch, TimeSpan deferral = default)
    {
        _connection = connection;
        _logger = logger;
        _maxBatch = maxBatch;
        _deferral = deferral;
        _requests = Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions { SingleReader = true });
        _loop = Task.Run(RunAsync);
    }

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

    private Task<T> Enqueue<T>(Func<SqliteWriteContext, T> work, bool durable, CancellationToken cancellationToken, bool deferrable = false)
    {
        ArgumentNullException.ThrowIfNull(work);
        RequireSynchronous(typeof(T));
        if (_fault is { } fault)
        {
            return Task.FromException<T>(new StoreException("the store's writer has failed; restart the server", fault));
        }

        var request = new WriteRequest<T>(work, cancellationToken) { Durable = durable, Deferrable = deferrable, Queued = Stopwatch.GetTimestamp() };
        if (!_requests.Writer.TryWrite(request))
        {
            return Task.FromException<T>(new StoreException("the store is shutting down") { IsUnavailable = true });
        }

        return request.Task;
    }

    public Task WriteAsync(Action<SqliteWriteContext> work, CancellationToken cancellationToken = default) =>
        WriteAsync<bool>(context => { work(context); return true; }, cancellationToken);

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

        try
        {
            using var transaction = _connection.BeginTransaction(deferred: false);
            var context = new SqliteWriteContext(_connection, transaction);
            if (batch.Count == 1)
            {
                // Alone in its batch, a request needs no savepoint: the transaction is its own.
                try
                {
                    batch[0].Run(context);
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
                    batch[i].Run(context);
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

    private void Complete(List<WriteRequest> batch, long started)
    {
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

        public abstract void Run(SqliteWriteContext context);

        public abstract void Fail(Exception error);

        public abstract void Complete();

        public abstract void Cancel();
    }

    private sealed class WriteRequest<T>(Func<SqliteWriteContext, T> work, CancellationToken cancellationToken) : WriteRequest
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;
        private Exception? _error;

        public Task<T> Task => _completion.Task;

        public override bool IsCancelled => cancellationToken.IsCancellationRequested;

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
