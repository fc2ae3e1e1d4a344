using System.Text;

namespace Interchange.Mime.Encodings;

/// <summary>
/// Charset lookup and lenient decoding for MIME text: RFC 2047 encoded words, RFC 2231
/// parameters, text bodies, and raw 8-bit header bytes (RFC 6532). Decoding never throws:
/// unknown charsets and invalid sequences fall back instead.
/// </summary>
public static class MimeCharsets
{
    private static readonly Encoding s_strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Names seen in real mail that the .NET registry does not know, or maps to a narrower
    // charset than senders meant (gb2312 mail is routinely gbk; ks_c_5601-1987 is cp949).
    private static readonly Dictionary<string, string> s_aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["utf8"] = "utf-8",
        ["latin1"] = "iso-8859-1",
        ["latin-1"] = "iso-8859-1",
        ["iso8859-1"] = "iso-8859-1",
        ["iso_8859_1"] = "iso-8859-1",
        ["cp1252"] = "windows-1252",
        ["gb2312"] = "gb18030",
        ["gbk"] = "gb18030",
        ["x-gbk"] = "gb18030",
        ["cp936"] = "gb18030",
        ["x-sjis"] = "shift_jis",
        ["sjis"] = "shift_jis",
        ["x-euc-jp"] = "euc-jp",
    };

    // U+FFFD rather than the default '?', so that a bad byte is visibly not a question mark.
    private static readonly DecoderReplacementFallback s_replacement = new("\uFFFD");

    // Lock-free (ARCHITECTURE.md rule 1 admits no plain locks); a lookup is a pure function of
    // the name, so two threads computing the same entry at once is harmless.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Encoding?> s_cache = new(StringComparer.OrdinalIgnoreCase);

    static MimeCharsets()
    {
        // Legacy charsets (windows-125x, iso-2022-jp, koi8-r, gb18030, ...) live in the code
        // pages provider, which must be registered once per process before GetEncoding sees them.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    /// <summary>ISO-8859-1: the byte-preserving fallback (byte n is U+00nn).</summary>
    public static Encoding Latin1 => Encoding.Latin1;

    /// <summary>
    /// The encoding for a MIME charset name (case-insensitive, common aliases accepted, an RFC
    /// 2231 language suffix such as <c>utf-8*en</c> ignored), decoding invalid input to U+FFFD;
    /// null when the name is unknown. US-ASCII returns null too, so that 8-bit bytes in text
    /// labelled ASCII (common) go through the UTF-8-or-Latin-1 fallback instead of turning into '?'.
    /// UTF-7 has no <see cref="Encoding"/> in .NET: null here, and <see cref="Decode"/> decodes it
    /// with <see cref="Utf7Decoder"/>. Never throws, whatever the name.
    /// </summary>
    public static Encoding? GetEncoding(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset))
        {
            return null;
        }

        var name = Normalize(charset);
        if (s_cache.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var found = Lookup(name);

        // A hostile message could name millions of distinct charsets; cap what we remember.
        if (s_cache.Count < 512)
        {
            s_cache.TryAdd(name, found);
        }

        return found;
    }

    /// <summary>
    /// Decodes bytes in the named charset; an unknown or missing charset (and US-ASCII) decodes
    /// as UTF-8 when the bytes are valid UTF-8, else as Latin-1.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string? charset)
    {
        if (charset is not null && Utf7Decoder.IsUtf7(Normalize(charset)))
        {
            return Utf7Decoder.Decode(bytes);
        }

        var encoding = GetEncoding(charset);
        if (encoding is null)
        {
            return DecodeUtf8OrLatin1(bytes);
        }

        try
        {
            return encoding.GetString(bytes);
        }
        catch (Exception)
        {
            // Replacement fallbacks make this unreachable for registry encodings; kept for
            // third-party providers that ignore the requested fallback or refuse to decode.
            return DecodeUtf8OrLatin1(bytes);
        }
    }

    /// <summary>
    /// Raw header or text bytes with no reliable label: valid UTF-8 (RFC 6532) decodes as UTF-8,
    /// anything else as Latin-1, so every byte sequence has a lossless-enough reading.
    /// </summary>
    public static string DecodeUtf8OrLatin1(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.ContainsAnyInRange((byte)0x80, (byte)0xFF))
        {
            return Encoding.ASCII.GetString(bytes);
        }

        try
        {
            return s_strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    // "\"utf-8\"" and "utf-8*en" (an RFC 2231 language suffix) name utf-8.
    private static string Normalize(string charset)
    {
        var name = charset.Trim().Trim('"');
        var star = name.IndexOf('*', StringComparison.Ordinal);
        return star >= 0 ? name[..star] : name;
    }

    /// <summary>True when the bytes are valid UTF-8 (ASCII included).</summary>
    public static bool IsValidUtf8(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    private static Encoding? Lookup(string name)
    {
        if (name.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)
            || name.Equals("ascii", StringComparison.OrdinalIgnoreCase)
            || name.Equals("ansi_x3.4-1968", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (Utf7Decoder.IsUtf7(name))
        {
            return null;
        }

        if (s_aliases.TryGetValue(name, out var alias))
        {
            name = alias;
        }

        // Any exception means "unknown": the registry throws ArgumentException for unknown
        // names but NotSupportedException for some it knows and refuses (UTF-7), and a sender
        // chooses the name, so no kind of failure may escape.
        try
        {
            var encoding = Encoding.GetEncoding(name, EncoderFallback.ReplacementFallback, s_replacement);
            return encoding.CodePage == Encoding.ASCII.CodePage ? null : encoding;
        }
        catch (Exception)
        {
        }

        // "cp1252", "windows1252", "ibm850": a bare code page number is a common spelling.
        var digits = new string(name.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length is >= 3 and <= 5 && int.TryParse(digits, out var codePage)
            && (name.StartsWith("cp", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("windows", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("ibm", StringComparison.OrdinalIgnoreCase)))
        {
            try
            {
                return Encoding.GetEncoding(codePage, EncoderFallback.ReplacementFallback, s_replacement);
            }
            catch (Exception)
            {
            }
        }

        return null;
    }
}
