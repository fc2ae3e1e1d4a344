namespace Interchange.Mime.Encodings;

/// <summary>
/// A streaming, lenient base64 decoder (RFC 2045 §6.8): characters outside the alphabet
/// (line breaks, spaces, junk) are skipped, padding ends a quantum wherever it appears, and a
/// missing final padding is tolerated (<see cref="Flush"/> emits the partial quantum).
/// Feed it any split of the input; the output is the same.
/// </summary>
public sealed class Base64Decoder
{
    private static readonly sbyte[] s_values = BuildTable();

    private int _accumulator;
    private int _sextets;

    /// <summary>The destination size that <see cref="Decode(ReadOnlySpan{byte}, Span{byte})"/> needs for a source of this length.</summary>
    public static int MaxDecodedLength(int sourceLength) => (sourceLength / 4 * 3) + 3;

    /// <summary>Decodes a whole buffer, tolerating whitespace, junk and missing padding.</summary>
    public static byte[] Decode(ReadOnlySpan<byte> source)
    {
        var decoder = new Base64Decoder();
        var output = new byte[MaxDecodedLength(source.Length) + 3];
        var written = decoder.Decode(source, output);
        written += decoder.Flush(output.AsSpan(written));
        return output.AsSpan(0, written).ToArray();
    }

    /// <summary>Decodes what it can; an incomplete quantum is kept for the next call or <see cref="Flush"/>.</summary>
    public int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < MaxDecodedLength(source.Length))
        {
            throw new ArgumentException("The destination is shorter than MaxDecodedLength(source.Length).", nameof(destination));
        }

        var accumulator = _accumulator;
        var sextets = _sextets;
        var written = 0;
        foreach (var b in source)
        {
            var value = s_values[b];
            if (value >= 0)
            {
                accumulator = (accumulator << 6) | (byte)value;
                if (++sextets == 4)
                {
                    destination[written++] = (byte)(accumulator >> 16);
                    destination[written++] = (byte)(accumulator >> 8);
                    destination[written++] = (byte)accumulator;
                    accumulator = 0;
                    sextets = 0;
                }
            }
            else if (b == '=')
            {
                // Padding closes the quantum; decoding resumes after it, which also reads
                // concatenated base64 blobs the way other MUAs do.
                written += EmitPartial(accumulator, sextets, destination[written..]);
                accumulator = 0;
                sextets = 0;
            }
        }

        _accumulator = accumulator;
        _sextets = sextets;
        return written;
    }

    /// <summary>Emits a quantum left open by missing padding (2 or 3 sextets); a lone sextet carries no whole byte.</summary>
    public int Flush(Span<byte> destination)
    {
        var written = EmitPartial(_accumulator, _sextets, destination);
        Reset();
        return written;
    }

    public void Reset()
    {
        _accumulator = 0;
        _sextets = 0;
    }

    private static int EmitPartial(int accumulator, int sextets, Span<byte> destination)
    {
        switch (sextets)
        {
            case 2:
                destination[0] = (byte)(accumulator >> 4);
                return 1;
            case 3:
                destination[0] = (byte)(accumulator >> 10);
                destination[1] = (byte)(accumulator >> 2);
                return 2;
            default:
                return 0;
        }
    }

    private static sbyte[] BuildTable()
    {
        var table = new sbyte[256];
        Array.Fill(table, (sbyte)-1);
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (var i = 0; i < alphabet.Length; i++)
        {
            table[alphabet[i]] = (sbyte)i;
        }

        return table;
    }
}
