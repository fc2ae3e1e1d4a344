using System.Text;
using Interchange.Mime.Encodings;

namespace Interchange.Mime.Writing;

/// <summary>
/// A text part (text/plain by default; also usable for message/delivery-status, which is
/// text in all but name). Line breaks become CRLF; the text is UTF-8. The transfer encoding is
/// 7bit when the text allows it, else quoted-printable or base64, whichever suits.
/// </summary>
public sealed class OutgoingText : OutgoingEntity
{
    public OutgoingText(string text, string mediaSubtype = "plain", string mediaType = "text")
        : base(mediaType, mediaSubtype)
    {
        Text = text;
    }

    public string Text { get; }

    /// <summary>Force SevenBit, EightBit, QuotedPrintable or Base64; null chooses.</summary>
    public TransferEncoding? Encoding { get; init; }

    internal override async Task WriteAsync(MimeWriter writer, Stream output, CancellationToken cancellationToken)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(NormalizeLineBreaks(Text));
        var encoding = Encoding ?? Choose(bytes);
        var ownParameters = MediaType == "text" ? new[] { new KeyValuePair<string, string>("charset", "utf-8") } : [];
        var name = encoding switch
        {
            TransferEncoding.QuotedPrintable => "quoted-printable",
            TransferEncoding.Base64 => "base64",
            TransferEncoding.EightBit => "8bit",
            TransferEncoding.Binary => "binary",
            _ => "7bit",
        };
        await WriteHeaderAsync(writer, output, ownParameters, name, cancellationToken);
        var content = encoding switch
        {
            TransferEncoding.QuotedPrintable => QuotedPrintableEncoder.Encode(bytes),
            TransferEncoding.Base64 => Base64Encoder.Encode(bytes),
            _ => bytes,
        };
        await output.WriteAsync(content, cancellationToken);
    }

    private static TransferEncoding Choose(byte[] bytes)
    {
        var nonAscii = 0;
        var lineLength = 0;
        var longLine = false;
        foreach (var b in bytes)
        {
            if (b >= 0x80)
            {
                nonAscii++;
            }

            if (b == '\n')
            {
                lineLength = 0;
            }
            else if (++lineLength > 998)
            {
                longLine = true;
            }
        }

        if (nonAscii == 0 && !longLine && !bytes.AsSpan().Contains((byte)0))
        {
            return TransferEncoding.SevenBit;
        }

        // Mostly-ASCII text stays readable in quoted-printable; the rest is shorter in base64.
        return nonAscii * 6 < bytes.Length ? TransferEncoding.QuotedPrintable : TransferEncoding.Base64;
    }

    private static string NormalizeLineBreaks(string text)
    {
        var normalized = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r')
            {
                if (i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                normalized.Append("\r\n");
            }
            else if (c == '\n')
            {
                normalized.Append("\r\n");
            }
            else
            {
                normalized.Append(c);
            }
        }

        return normalized.ToString();
    }
}
