using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Storage.Content;

public sealed class MessageContentTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly FileBlobStore _blobs;

    public MessageContentTests() => _blobs = new FileBlobStore(_root.Path);

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task A_stored_message_reads_as_its_prefix_then_its_blob_at_every_offset_and_range()
    {
        var prefix = Encoding.ASCII.GetBytes("Return-Path: <a@b>\r\nDelivered-To: c@d\r\n");
        var body = new byte[300_000];
        new Random(7).NextBytes(body);
        var blob = await _blobs.WriteAsync(new MemoryStream(body));
        var expected = prefix.Concat(body).ToArray();
        var message = new StoredMessage(1, blob.Id, prefix, expected.Length, DateTimeOffset.UnixEpoch, [], 1);

        await using var content = ((IMessageContentStore)new BlobContentStore(_blobs)).Open(message);

        content.Length.ShouldBe(expected.Length);
        foreach (var (offset, length) in new[] { (0L, expected.Length), (5L, 10), (prefix.Length - 3L, 100), (prefix.Length + 1000L, 70_000), (expected.Length - 1L, 1), (0L, 0) })
        {
            await using var range = content.OpenRange(offset, length);
            (await ReadAll(range)).ShouldBe(expected.AsSpan((int)offset, length).ToArray(), $"range {offset}+{length}");
        }

        using (var syncRange = content.OpenRange(prefix.Length - 3, 200_000))
        {
            var synchronous = new byte[200_000];
            syncRange.ReadExactly(synchronous);
            synchronous.ShouldBe(expected.AsSpan(prefix.Length - 3, 200_000).ToArray(), "synchronous reads of a range");
        }

        var buffer = new byte[4096];
        var read = await content.ReadAsync(prefix.Length - 10, buffer);
        read.ShouldBe(buffer.Length, "a read from the prefix goes on into the body");
        buffer.ShouldBe(expected.AsSpan(prefix.Length - 10, buffer.Length).ToArray());
        (await content.ReadAsync(expected.Length, buffer)).ShouldBe(0);
    }

    [Fact]
    public async Task A_missing_blob_fails_the_first_read_even_behind_a_prefix()
    {
        var id = BlobId.Of("never stored"u8);
        var message = new StoredMessage(1, id, "X-Trace: 1\r\n"u8.ToArray(), 100, DateTimeOffset.UnixEpoch, [], 1);

        await using var content = ((IMessageContentStore)new BlobContentStore(_blobs)).Open(message);

        await Should.ThrowAsync<FileNotFoundException>(async () => await content.ReadAsync(0, new byte[4096]));
    }

    [Fact]
    public void In_memory_content_serves_ranges_synchronously_too()
    {
        using var content = new PrefixedContent("ab"u8.ToArray(), new BytesContent("cdefg"u8.ToArray()));
        using var range = content.OpenRange(1, 5);
        var buffer = new byte[5];
        range.ReadExactly(buffer);
        Encoding.ASCII.GetString(buffer).ShouldBe("bcdef");
    }

    private static async Task<byte[]> ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
