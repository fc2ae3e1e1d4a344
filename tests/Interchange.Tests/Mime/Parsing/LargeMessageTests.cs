using System.Security.Cryptography;
using System.Text;
using Interchange.Mime.Encodings;
using Interchange.Mime.Parsing;
using Interchange.Tests.TestSupport;
using Shouldly;
using Xunit.Abstractions;

namespace Interchange.Tests.Mime.Parsing;

/// <summary>A 50 MB attachment: offsets and sizes exact, and neither parsing nor decoding holds it in memory.</summary>
public sealed class LargeMessageTests(ITestOutputHelper output)
{
    private const int AttachmentSize = 50 * 1024 * 1024;

    // Far below the attachment's 50 MB (and its 68 MB of base64): what a bounded parser needs
    // for buffers and the part tree, with room for runtime noise.
    private const long AllocationBudget = 4 * 1024 * 1024;

    [Fact]
    public async Task A_50_mb_base64_attachment_parses_and_decodes_in_bounded_memory()
    {
        using var folder = new TempDirectory();
        var path = folder.File("large.eml");
        var header = "From: big@example.com\r\nSubject: large\r\nContent-Type: multipart/mixed; boundary=\"big\"\r\n\r\n"
            + "--big\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n"
            + "--big\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        byte[] expectedHash;
        await using (var file = File.Create(path))
        {
            await file.WriteAsync(Encoding.ASCII.GetBytes(header));
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await Base64Encoder.EncodeAsync(new HashingStream(new PseudoRandomStream(AttachmentSize, 42), sha), file);

            // The last base64 line's CRLF doubles as the one before the close delimiter.
            await file.WriteAsync("--big--\r\n"u8.ToArray());
            expectedHash = sha.GetHashAndReset();
        }

        var fullLines = AttachmentSize / 57;
        var remainder = AttachmentSize % 57;
        long encodedLength = (fullLines * 78L) + (remainder > 0 ? ((remainder + 2) / 3 * 4) + 2 : 0);
        long encodedLines = fullLines + (remainder > 0 ? 1 : 0);

        await using var message = File.OpenRead(path);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var structure = MimeParser.Parse(message);
        var parseAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"file {message.Length:N0} bytes, parse allocated {parseAllocated:N0} bytes");

        structure.Length.ShouldBe(message.Length);
        var attachment = structure.Root.Children[1];
        attachment.BodyStart.ShouldBe(Encoding.ASCII.GetByteCount(header));
        attachment.BodyOctets.ShouldBe(encodedLength - 2);
        attachment.BodyLines.ShouldBe(encodedLines - 1);
        structure.Root.Epilogue!.Value.Length.ShouldBe(0);
        structure.Root.Defects.ShouldBe(MimeDefects.None);
        parseAllocated.ShouldBeLessThan(AllocationBudget);

        before = GC.GetAllocatedBytesForCurrentThread();
        using var actual = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long decodedLength = 0;
        await using (var decoded = PartContent.OpenDecoded(message, attachment))
        {
            var buffer = new byte[81920];
            int read;
            while ((read = decoded.Read(buffer)) > 0)
            {
                actual.AppendData(buffer, 0, read);
                decodedLength += read;
            }
        }

        var decodeAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"decode allocated {decodeAllocated:N0} bytes");
        decodedLength.ShouldBe(AttachmentSize);
        actual.GetHashAndReset().ShouldBe(expectedHash);
        decodeAllocated.ShouldBeLessThan(AllocationBudget);
    }

    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            hash.AppendData(buffer, offset, read);
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
