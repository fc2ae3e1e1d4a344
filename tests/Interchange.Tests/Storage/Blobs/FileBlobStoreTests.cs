using System.Security.Cryptography;
using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Storage.Blobs;

public sealed class FileBlobStoreTests : IDisposable
{
    private readonly TempDirectory _root = new();
    private readonly FileBlobStore _store;

    public FileBlobStoreTests() => _store = new FileBlobStore(_root.Path);

    private string TmpDirectory => Path.Combine(_root.Path, "tmp");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task Bytes_written_are_read_back_identically()
    {
        var content = Encoding.UTF8.GetBytes("From: alice@example.com\r\nSubject: hi\r\n\r\nbody\r\n");

        var blob = await _store.WriteAsync(new MemoryStream(content));

        blob.Length.ShouldBe(content.Length);
        (await ReadAll(blob.Id)).ShouldBe(content);
        _store.Exists(blob.Id).ShouldBeTrue();
    }

    [Fact]
    public async Task A_multi_megabyte_stream_read_in_small_pieces_round_trips()
    {
        var content = new byte[(5 * 1024 * 1024) + 12345];
        new Random(42).NextBytes(content);

        var blob = await _store.WriteAsync(new TricklingStream(content, maxChunk: 7000));

        blob.Length.ShouldBe(content.LongLength);
        blob.Id.Hex.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(content)));
        (await ReadAll(blob.Id)).SequenceEqual(content).ShouldBeTrue();
    }

    [Fact]
    public async Task An_empty_stream_is_a_blob_too()
    {
        var blob = await _store.WriteAsync(new MemoryStream());

        blob.Length.ShouldBe(0);
        blob.Id.Hex.ShouldBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        _store.Exists(blob.Id).ShouldBeTrue();
        (await ReadAll(blob.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_id_is_the_lower_case_hex_sha256_of_the_content()
    {
        var content = Encoding.ASCII.GetBytes("abc");

        var blob = await _store.WriteAsync(new MemoryStream(content));

        blob.Id.Hex.ShouldBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        blob.Id.ShouldBe(BlobId.Of(content));
        blob.Id.ToString().ShouldBe(blob.Id.Hex);
        BlobId.TryParse(blob.Id.Hex, out var parsed).ShouldBeTrue();
        parsed.ShouldBe(blob.Id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0")]
    [InlineData("../../../../../../../../../../../../../../../../../../etc/passwd")]
    [InlineData("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    public void Only_64_lower_case_hex_digits_parse_as_a_blob_id(string? text)
    {
        BlobId.TryParse(text, out var id).ShouldBeFalse();
        id.ShouldBe(default);
    }

    [Fact]
    public void A_hash_of_the_wrong_size_is_refused()
    {
        Should.Throw<ArgumentException>(() => BlobId.FromHash(new byte[31]));
    }

    [Fact]
    public async Task Writing_the_same_content_twice_gives_the_same_id_and_one_file()
    {
        var content = Encoding.UTF8.GetBytes("the same message, delivered twice");

        var first = await _store.WriteAsync(new MemoryStream(content));
        var second = await _store.WriteAsync(new MemoryStream(content));

        second.ShouldBe(first);
        BlobFiles().ShouldHaveSingleItem().ShouldEndWith(first.Id.Hex);
        (await ReadAll(first.Id)).ShouldBe(content);
        System.IO.Directory.EnumerateFiles(TmpDirectory).ShouldBeEmpty();
    }

    [Fact]
    public async Task Concurrent_writes_of_the_same_content_all_succeed_with_one_file()
    {
        var content = Encoding.UTF8.GetBytes(new string('x', 100_000));

        var blobs = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => _store.WriteAsync(new MemoryStream(content)))));

        blobs.Distinct().ShouldHaveSingleItem();
        BlobFiles().ShouldHaveSingleItem();
        (await ReadAll(blobs[0].Id)).ShouldBe(content);
        System.IO.Directory.EnumerateFiles(TmpDirectory).ShouldBeEmpty();
    }

    [Fact]
    public async Task Different_contents_are_different_blobs()
    {
        var a = await _store.WriteAsync(new MemoryStream([1, 2, 3]));
        var b = await _store.WriteAsync(new MemoryStream([1, 2, 4]));

        a.Id.ShouldNotBe(b.Id);
        BlobFiles().Count.ShouldBe(2);
        (await ReadAll(a.Id)).ShouldBe(new byte[] { 1, 2, 3 });
        (await ReadAll(b.Id)).ShouldBe(new byte[] { 1, 2, 4 });
    }

    [Fact]
    public async Task A_deleted_blob_is_gone_and_deleting_it_again_says_so()
    {
        var blob = await _store.WriteAsync(new MemoryStream([9, 9, 9]));

        _store.Delete(blob.Id).ShouldBeTrue();

        _store.Exists(blob.Id).ShouldBeFalse();
        _store.Delete(blob.Id).ShouldBeFalse();
        BlobFiles().ShouldBeEmpty();
        Should.Throw<FileNotFoundException>(() => _store.OpenRead(blob.Id).Dispose());
    }

    [Fact]
    public void Opening_a_missing_blob_throws_file_not_found()
    {
        var missing = BlobId.Of(Encoding.UTF8.GetBytes("never stored"));

        _store.Exists(missing).ShouldBeFalse();
        Should.Throw<FileNotFoundException>(() => _store.OpenRead(missing).Dispose());
    }

    [Fact]
    public async Task No_temporary_file_is_left_after_writes()
    {
        for (var i = 0; i < 5; i++)
        {
            await _store.WriteAsync(new MemoryStream(Encoding.UTF8.GetBytes($"message {i}")));
        }

        System.IO.Directory.Exists(TmpDirectory).ShouldBeTrue();
        System.IO.Directory.EnumerateFiles(TmpDirectory).ShouldBeEmpty();
        BlobFiles().Count.ShouldBe(5);
    }

    [Fact]
    public async Task A_stream_failing_midway_leaves_neither_a_temporary_file_nor_a_blob()
    {
        var content = new byte[1024 * 1024];
        new Random(7).NextBytes(content);

        var ex = await Should.ThrowAsync<IOException>(() => _store.WriteAsync(new FailingStream(content, failAfter: 300_000)));

        ex.Message.ShouldBe("connection reset in the middle of DATA");
        System.IO.Directory.EnumerateFiles(TmpDirectory).ShouldBeEmpty();
        BlobFiles().ShouldBeEmpty();
        _store.Exists(BlobId.Of(content)).ShouldBeFalse();
        _store.Exists(BlobId.Of(content.AsSpan(0, 300_000))).ShouldBeFalse();
    }

    [Fact]
    public async Task A_cancelled_write_leaves_nothing_behind()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        await Should.ThrowAsync<OperationCanceledException>(() => _store.WriteAsync(new MemoryStream(new byte[100_000]), cts.Token));

        System.IO.Directory.EnumerateFiles(TmpDirectory).ShouldBeEmpty();
        BlobFiles().ShouldBeEmpty();
    }

    [Fact]
    public async Task Blobs_written_by_one_store_are_read_by_another_on_the_same_root()
    {
        var blob = await _store.WriteAsync(new MemoryStream([4, 5, 6]));

        var other = new FileBlobStore(_root.Path);

        other.Exists(blob.Id).ShouldBeTrue();
        await using var stream = other.OpenRead(blob.Id);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        copy.ToArray().ShouldBe(new byte[] { 4, 5, 6 });
    }

    private async Task<byte[]> ReadAll(BlobId id)
    {
        await using var stream = _store.OpenRead(id);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private List<string> BlobFiles() =>
        System.IO.Directory.EnumerateFiles(_root.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(TmpDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .ToList();

    /// <summary>Hands out its content a little at a time, like a network stream.</summary>
    private sealed class TricklingStream(byte[] content, int maxChunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, maxChunk), content.Length - _position);
            Array.Copy(content, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Delivers <c>failAfter</c> bytes, then fails like a dropped connection.</summary>
    private sealed class FailingStream(byte[] content, int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter)
            {
                throw new IOException("connection reset in the middle of DATA");
            }

            var n = Math.Min(Math.Min(count, failAfter - _position), content.Length - _position);
            Array.Copy(content, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
