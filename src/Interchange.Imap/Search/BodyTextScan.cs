using System.Buffers;
using System.Text;
using Interchange.Mime.Encodings;
using Interchange.Mime.Parsing;

namespace Interchange.Imap.Search;

/// <summary>
/// Looks for several patterns at once in a message's text: every text/* leaf part (embedded
/// messages' included), decoded from its transfer encoding and charset as it streams through a
/// fixed window. Memory is the window and the patterns, whatever the message's size; the text
/// is read once for all patterns, and a part stops being read once every pattern is found.
/// </summary>
public static class BodyTextScan
{
    /// <summary>Bytes read from a part per step.</summary>
    public const int WindowBytes = 16 * 1024;

    private static readonly Encoding s_strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Sets <c>found[i]</c> for each of <paramref name="patterns"/> that occurs in one text part
    /// (a match does not run from one part into the next). Each part's stored size is charged to
    /// <paramref name="budget"/> before it is read.
    /// </summary>
    public static void Scan(MessageStructure structure, Func<long, long, Stream> openRange, IReadOnlyList<SearchPattern> patterns, bool[] found, SearchBudget budget)
    {
        ArgumentNullException.ThrowIfNull(structure);
        ArgumentNullException.ThrowIfNull(openRange);
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(found);
        ArgumentNullException.ThrowIfNull(budget);
        foreach (var part in structure.Parts)
        {
            if (found.All(f => f))
            {
                return;
            }

            if (part.Kind != MimePartKind.Leaf || !part.ContentType.IsText || part.BodyOctets == 0)
            {
                continue;
            }

            // Each string is its own linear pass over the text: a thousand strings cost a thousand passes.
            budget.Charge(checked(part.BodyOctets * Math.Max(1, patterns.Count)));
            using var decoded = PartContent.OpenDecoded(openRange, part);
            ScanPart(decoded, part.ContentType.Charset, patterns, found, budget.Cancellation);
        }
    }

    /// <summary>
    /// One part's decoded bytes in <paramref name="charset"/>. An unknown or missing charset
    /// reads as UTF-8 when the bytes are valid UTF-8, else as Latin-1 (as
    /// <see cref="MimeCharsets.Decode"/> does): both readings are scanned in the one pass, and
    /// the UTF-8 one is dropped at the first invalid sequence.
    /// </summary>
    public static void ScanPart(Stream decoded, string? charset, IReadOnlyList<SearchPattern> patterns, bool[] found, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(found);
        var encoding = MimeCharsets.GetEncoding(charset);
        var primary = new Reading(encoding?.GetDecoder() ?? s_strictUtf8.GetDecoder(), patterns, found);
        var fallback = encoding is null ? new Reading(MimeCharsets.Latin1.GetDecoder(), patterns, found) : null;
        var bytes = ArrayPool<byte>.Shared.Rent(WindowBytes);
        var chars = ArrayPool<char>.Shared.Rent(WindowBytes + 16);
        try
        {
            int read;
            while ((read = decoded.Read(bytes, 0, WindowBytes)) > 0)
            {
                cancellation.ThrowIfCancellationRequested();
                primary.Feed(bytes.AsSpan(0, read), chars, flush: false);
                fallback?.Feed(bytes.AsSpan(0, read), chars, flush: false);
                // With two readings, either may be the one that counts until the end: stop only when both are done.
                if (fallback is null ? primary.AllFound : fallback.AllFound && (!primary.Valid || primary.AllFound))
                {
                    break;
                }
            }

            primary.Feed([], chars, flush: true);
            fallback?.Feed([], chars, flush: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<char>.Shared.Return(chars);
        }

        // The reading that counts: the labelled charset, or UTF-8 while it stayed valid, else Latin-1.
        var counted = fallback is null || primary.Valid ? primary : fallback;
        for (var i = 0; i < found.Length; i++)
        {
            found[i] |= counted.Scanners[i]?.Found == true;
        }
    }

    private sealed class Reading
    {
        private readonly Decoder _decoder;

        public Reading(Decoder decoder, IReadOnlyList<SearchPattern> patterns, bool[] found)
        {
            _decoder = decoder;
            Scanners = new SearchScanner?[patterns.Count];
            for (var i = 0; i < patterns.Count; i++)
            {
                // Patterns already found elsewhere need no scanning here.
                Scanners[i] = found[i] ? null : patterns[i].CreateScanner();
            }
        }

        public SearchScanner?[] Scanners { get; }

        public bool Valid { get; private set; } = true;

        public bool AllFound => Scanners.All(s => s is null || s.Found);

        public void Feed(ReadOnlySpan<byte> bytes, char[] chars, bool flush)
        {
            if (!Valid)
            {
                return;
            }

            try
            {
                var completed = false;
                while (!completed)
                {
                    _decoder.Convert(bytes, chars, flush, out var used, out var produced, out completed);
                    bytes = bytes[used..];
                    foreach (var scanner in Scanners)
                    {
                        scanner?.Feed(chars.AsSpan(0, produced));
                    }
                }
            }
            catch (DecoderFallbackException)
            {
                Valid = false;
            }
        }
    }
}
