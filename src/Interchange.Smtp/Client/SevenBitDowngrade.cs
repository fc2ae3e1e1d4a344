using MimeKit;

namespace Interchange.Smtp.Client;

/// <summary>
/// Converts a message with 8-bit or binary parts for a peer without 8BITMIME (RFC 6152 3: the
/// client must convert, or not send): MimeKit re-encodes each part that needs it in
/// quoted-printable or base64 and leaves the header fields as they were parsed.
/// </summary>
internal static class SevenBitDowngrade
{
    /// <summary>True when any byte is outside 7-bit ASCII (a declared 8BITMIME body often is not).</summary>
    public static async Task<bool> HasEightBitAsync(Stream content, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.AsSpan(0, read).IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The converted message in a stream at position 0 (in memory up to <paramref name="inMemoryLimit"/>, else a temporary file deleted on close).</summary>
    public static async Task<Stream> ConvertAsync(Stream content, long length, EncodingConstraint constraint, int inMemoryLimit, CancellationToken cancellationToken)
    {
        var message = await MimeMessage.LoadAsync(content, cancellationToken).ConfigureAwait(false);
        message.Prepare(constraint);
        Stream output = length <= inMemoryLimit
            ? new MemoryStream()
            : new FileStream(Path.Combine(Path.GetTempPath(), $"interchange-7bit-{Guid.NewGuid():N}.eml"), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            var format = FormatOptions.Default.Clone();
            format.NewLineFormat = NewLineFormat.Dos;
            await message.WriteToAsync(format, output, cancellationToken).ConfigureAwait(false);
            output.Position = 0;
            return output;
        }
        catch
        {
            await output.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
