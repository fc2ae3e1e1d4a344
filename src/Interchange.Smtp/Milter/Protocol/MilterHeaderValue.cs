namespace Interchange.Smtp.Milter.Protocol;

/// <summary>
/// Header values between the stored form (the bytes after the colon, folded with CRLF) and the
/// milter's: Sendmail sends a folded field with bare LF between its lines and, unless the milter
/// asked for SMFIP_HDR_LEADSPC, without the one space after the colon (Postfix does the same).
/// </summary>
internal static class MilterHeaderValue
{
    /// <summary>The value as SMFIC_HEADER carries it.</summary>
    public static byte[] ToMilter(ReadOnlySpan<byte> stored, bool leadingSpace)
    {
        if (!leadingSpace && !stored.IsEmpty && stored[0] == (byte)' ')
        {
            stored = stored[1..]; // one space only, never a tab: Sendmail's rule
        }

        var output = new byte[stored.Length];
        var count = 0;
        for (var i = 0; i < stored.Length; i++)
        {
            if (stored[i] == (byte)'\r' && i + 1 < stored.Length && stored[i + 1] == (byte)'\n')
            {
                continue;
            }

            output[count++] = stored[i];
        }

        return output.AsSpan(0, count).ToArray();
    }

    /// <summary>
    /// The stored form of a value a milter gives (SMFIR_ADDHEADER, SMFIR_INSHEADER, SMFIR_CHGHEADER):
    /// its line breaks (LF, CRLF or CR) become CRLF; a line that is empty or only white space is
    /// dropped and a line that does not start with white space gets a space, so a value can only
    /// ever fold, never end the header section or start a field of its own (RFC 5322 2.2.3).
    /// Without SMFIP_HDR_LEADSPC the value gets the usual space after the colon.
    /// </summary>
    public static byte[] FromMilter(ReadOnlySpan<byte> value, bool leadingSpace)
    {
        var output = new List<byte>(value.Length + 8);
        if (!leadingSpace)
        {
            output.Add((byte)' ');
        }

        var first = true;
        while (true)
        {
            var end = value.IndexOfAny((byte)'\r', (byte)'\n');
            var line = end < 0 ? value : value[..end];
            if (first)
            {
                output.AddRange(line);
                first = false;
            }
            else if (!line.Trim(" \t"u8).IsEmpty)
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
                if (line[0] is not ((byte)' ' or (byte)'\t'))
                {
                    output.Add((byte)' ');
                }

                output.AddRange(line);
            }

            if (end < 0)
            {
                break;
            }

            var skip = value[end] == (byte)'\r' && end + 1 < value.Length && value[end + 1] == (byte)'\n' ? 2 : 1;
            value = value[(end + skip)..];
        }

        return [.. output];
    }

    /// <summary>RFC 5322 2.2 field-name: printable US-ASCII but the colon, at least one.</summary>
    public static bool IsFieldName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return false;
        }

        foreach (var b in name)
        {
            if (b is < 33 or > 126 or (byte)':')
            {
                return false;
            }
        }

        return true;
    }
}
