using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Interchange.Transport.Queue;
using Shouldly;

namespace Interchange.Tests.Storage.Content;

public sealed class InlineContentTests : IAsyncLifetime
{
    private const int Limit = 1000;
    private readonly TempDirectory _files = new();
    private SqliteTestDatabase _database = null!;
    private FileBlobStore _blobs = null!;
    private SqliteQueueStore _queue = null!;
    private MessageAcceptor _acceptor = null!;
    private IMessageContentStore _contents = null!;

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        _blobs = new FileBlobStore(_files.Path);
        _queue = new SqliteQueueStore(_database.Database);
        _acceptor = new MessageAcceptor(_blobs, _queue, new QueueSignal(), inlineMessageSize: Limit);
        _contents = new SqliteContentStore(_database.Database, _blobs);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _files.Dispose();
    }

    [Fact]
    public async Task A_message_up_to_the_limit_is_kept_in_the_database_with_its_queue_entry_and_no_file()
    {
        var bytes = Message(Limit);

        var queued = await AcceptAsync(bytes, chunk: 97);

        _blobs.Exists(queued.Blob.Id).ShouldBeFalse("no file blob for an inline message");
        (await InlineRowsAsync()).ShouldBe(1);
        queued.Blob.Length.ShouldBe(Limit);
        (await ReadAllAsync(queued.Blob)).ShouldBe(bytes);
    }

    [Fact]
    public async Task A_message_one_byte_over_the_limit_spills_into_a_file_blob()
    {
        var bytes = Message(Limit + 1);

        var queued = await AcceptAsync(bytes, chunk: 300);

        _blobs.Exists(queued.Blob.Id).ShouldBeTrue();
        (await InlineRowsAsync()).ShouldBe(0);
        (await ReadAllAsync(queued.Blob)).ShouldBe(bytes);
    }

    [Fact]
    public async Task The_same_small_message_accepted_twice_is_one_content_row_named_by_both_entries()
    {
        var bytes = Message(500);

        var first = await AcceptAsync(bytes, chunk: 500);
        var second = await AcceptAsync(bytes, chunk: 7);

        second.Blob.ShouldBe(first.Blob);
        (await InlineRowsAsync()).ShouldBe(1);
    }

    private async Task<QueuedMessage> AcceptAsync(byte[] bytes, int chunk)
    {
        await using var writer = _acceptor.BeginMessage();
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            await writer.WriteAsync(bytes.AsMemory(i, Math.Min(chunk, bytes.Length - i)));
        }

        var id = await _acceptor.CommitAsync(writer, new Envelope("a@remote.test", [new QueuedRecipient("b@example.test")], "test [127.0.0.1]"), CancellationToken.None);
        return (await _queue.FindNewAsync(0, 1, 100)).Single(m => m.Id == id);
    }

    private async Task<byte[]> ReadAllAsync(BlobRef blob)
    {
        await using var content = _contents.Open(blob);
        await using var stream = content.OpenRead();
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private Task<long> InlineRowsAsync() =>
        _database.Database.ReadAsync(c => c.ExecuteScalar<long>("SELECT COUNT(*) FROM message_contents")).AsTask();

    private static byte[] Message(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }
}
