using System.Collections.Concurrent;
using System.Text;
using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Directory.Resolution;
using Interchange.Mime.Parsing;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Interchange.Transport;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging;
using Shouldly;

namespace Interchange.Tests.Transport;

/// <summary>
/// Parse once, at accept (issue 9 point 7): a message accepted with its structure is routed and
/// logged by its Message-ID without the categorizer opening its content; one queued without it
/// (accepted before the structure was kept) is still parsed, once, as before.
/// </summary>
public sealed class CategorizerParseOnceTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();
    private readonly TransportOptions _options = new() { PollInterval = TimeSpan.FromMilliseconds(50) };
    private readonly QueueSignal _newMessages = new();
    private readonly CapturingLogger _log = new();
    private SqliteTestDatabase _database = null!;
    private SqliteQueueStore _queue = null!;
    private CountingBlobStore _blobs = null!;
    private MessageAcceptor _acceptor = null!;
    private Categorizer _categorizer = null!;

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        var directoryStore = new SqliteDirectoryStore(_database.Database);
        var directory = new DirectoryService(directoryStore, new PasswordHasher(1000), new DirectoryOptions());
        await directory.AddDomainAsync("example.test");
        await directory.AddUserAsync("alice@example.test", null);
        _queue = new SqliteQueueStore(_database.Database);
        _blobs = new CountingBlobStore(new FileBlobStore(_folder.Path));
        _acceptor = new MessageAcceptor(_blobs, _queue, _newMessages, inlineMessageSize: 0); // files only: the test counts opens of the blob store
        _categorizer = new Categorizer(_queue, new RecipientResolver(directoryStore), new RoutingTable(), new Interchange.Storage.Content.BlobContentStore(_blobs), _newMessages, new QueueSignal(), _options, _log);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_message_accepted_with_its_structure_is_logged_by_its_MessageId_without_being_opened()
    {
        var content = Message("<parsed-at-accept@example.test>");
        await AcceptAsync(content, MimeParser.Parse(content));

        await RouteAllAsync(1);

        _blobs.Opens.ShouldBe(0, "the categorizer read the kept structure, not the message");
        _log.Messages.ShouldContain(m => m.Contains("<parsed-at-accept@example.test>", StringComparison.Ordinal) && m.Contains("routed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_queued_without_a_structure_is_parsed_as_before()
    {
        await AcceptAsync(Message("<queued-before@example.test>"), structure: null);

        await RouteAllAsync(1);

        _blobs.Opens.ShouldBe(1);
        _log.Messages.ShouldContain(m => m.Contains("<queued-before@example.test>", StringComparison.Ordinal) && m.Contains("routed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Limits_hit_at_accept_are_still_reported()
    {
        var content = Encoding.ASCII.GetBytes("Message-ID: <deep@example.test>\r\n" + string.Concat(Enumerable.Range(0, 5).Select(i => $"X-{i}: {i}\r\n")) + "\r\nbody\r\n");
        await AcceptAsync(content, MimeParser.Parse(content, new MimeParserOptions { MaxHeaderFields = 3 }));

        await RouteAllAsync(1);

        _blobs.Opens.ShouldBe(0);
        _log.Messages.ShouldContain(m => m.Contains("exceeds MIME parsing limits", StringComparison.Ordinal) && m.Contains(nameof(MimeLimits.HeaderFields), StringComparison.Ordinal));
    }

    private static byte[] Message(string messageId) =>
        Encoding.ASCII.GetBytes($"Received: from client by test; Tue, 1 Dec 2026 20:00:00 +0000\r\nMessage-ID: {messageId}\r\nSubject: once\r\n\r\nbody\r\n");

    private async Task AcceptAsync(byte[] content, MessageStructure? structure)
    {
        await using var writer = _acceptor.BeginMessage();
        await writer.WriteAsync(content);
        await _acceptor.CommitAsync(writer, new Envelope("sender@remote.test", [new QueuedRecipient("alice@example.test")], "test [127.0.0.1]"), structure, CancellationToken.None);
    }

    private async Task RouteAllAsync(int expected)
    {
        using var stop = new CancellationTokenSource();
        var worker = _categorizer.RunWorkerAsync(0, 1, stop.Token);
        await Eventually.TrueAsync(async () => (await _queue.StatisticsAsync()).RoutedMessages == expected && _log.Messages.Any(m => m.Contains("routed", StringComparison.Ordinal)), "the categorizer routed the message", TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await worker.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>A blob store that counts how often a content is opened for reading.</summary>
    private sealed class CountingBlobStore(IBlobStore inner) : IBlobStore
    {
        private int _opens;

        public int Opens => Volatile.Read(ref _opens);

        public Task<BlobRef> WriteAsync(Stream content, CancellationToken cancellationToken = default) => inner.WriteAsync(content, cancellationToken);

        public IBlobWriter BeginWrite() => inner.BeginWrite();

        public Stream OpenRead(BlobId id)
        {
            Interlocked.Increment(ref _opens);
            return inner.OpenRead(id);
        }

        public bool Exists(BlobId id) => inner.Exists(id);

        public bool Delete(BlobId id) => inner.Delete(id);

        public IEnumerable<StoredBlob> Enumerate() => inner.Enumerate();
    }

    /// <summary>Keeps every formatted log message.</summary>
    private sealed class CapturingLogger : ILogger<Categorizer>
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public IReadOnlyCollection<string> Messages => _messages;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _messages.Enqueue(formatter(state, exception));
    }
}
