namespace Interchange.Smtp.Milter.Protocol;

/// <summary>A replacement body as milters send it (SMFIR_REPLBODY pieces, meant to be CRLF but often
/// bare LF) made into the stored form: every line ends with CRLF, as Postfix rebuilds it line by line.</summary>
internal static class MilterBody
{
    public static byte[] Normalize(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return [];
        }

        var output = new List<byte>(body.Length + (body.Length / 32) + 2);
        for (var i = 0; i < body.Length; i++)
        {
            var b = body[i];
            if (b == (byte)'\n' && (i == 0 || body[i - 1] != (byte)'\r'))
            {
                output.Add((byte)'\r');
            }

            output.Add(b);
        }

        if (output.Count < 2 || output[^1] != (byte)'\n' || output[^2] != (byte)'\r')
        {
            output.Add((byte)'\r');
            output.Add((byte)'\n');
        }

        return [.. output];
    }
}
