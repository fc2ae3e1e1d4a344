using System.Buffers;
using System.Buffers.Text;

namespace Interchange.Mime.Encodings;

/// <summary>
/// Base64 for the writer (RFC 2045 §6.8): lines of at most 76 characters ending in CRLF, the
/// last line included, so the encoded body always ends with a line break before the next
/// boundary.
/// </summary>
public static class Base64Encoder
{
    public const int DefaultLineLength = 76;

    /// <summary>Encodes a buffer into CRLF-terminated lines of <paramref name="lineLength"/> characters (a multiple of 4).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> data, int lineLength = DefaultLineLength)
    {
        var bytesPerLine = BytesPerLine(lineLength);
        using var output = new MemoryStream(((data.Length + 2) / 3 * 4) + ((data.Length / bytesPerLine) + 1) * 2);
        var line = new byte[lineLength + 2];
        while (!data.IsEmpty)
        {
            var take = Math.Min(bytesPerLine, data.Length);
            var length = EncodeLine(data[..take], line);
            output.Write(line, 0, length);
            data = data[take..];
        }

        return output.ToArray();
    }

    /// <summary>Streams <paramref name="input"/> to <paramref name="output"/> as base64 lines, reading in bounded chunks.</summary>
    public static async Task EncodeAsync(Stream input, Stream output, int lineLength = DefaultLineLength, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        var bytesPerLine = BytesPerLine(lineLength);
        const int linesPerChunk = 256;
        var source = ArrayPool<byte>.Shared.Rent(bytesPerLine * linesPerChunk);
        var encoded = ArrayPool<byte>.Shared.Rent((lineLength + 2) * linesPerChunk);
        try
        {
            while (true)
            {
                // Whole chunks keep every line but the last exactly full.
                var read = await input.ReadAtLeastAsync(source.AsMemory(0, bytesPerLine * linesPerChunk), bytesPerLine * linesPerChunk, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                var length = 0;
                for (var offset = 0; offset < read; offset += bytesPerLine)
                {
                    length += EncodeLine(source.AsSpan(offset, Math.Min(bytesPerLine, read - offset)), encoded.AsSpan(length));
                }

                await output.WriteAsync(encoded.AsMemory(0, length), cancellationToken);
                if (read < bytesPerLine * linesPerChunk)
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(source);
            ArrayPool<byte>.Shared.Return(encoded);
        }
    }

    private static int BytesPerLine(int lineLength)
    {
        if (lineLength < 4 || lineLength % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lineLength), lineLength, "The line length must be a positive multiple of 4.");
        }

        return lineLength / 4 * 3;
    }

    private static int EncodeLine(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Base64.EncodeToUtf8(data, destination, out _, out var written);
        destination[written++] = (byte)'\r';
        destination[written++] = (byte)'\n';
        return written;
    }
}
