using System.Text;

namespace Interchange.Smtp.Protocol;

/// <summary>
/// An SMTP reply (RFC 5321 4.2) with its enhanced status code (RFC 3463, RFC 2034). Several
/// text lines make a multi-line reply: <c>250-first</c> ... <c>250 last</c>.
/// </summary>
public sealed record SmtpReply(int Code, string? Enhanced, IReadOnlyList<string> Lines)
{
    public SmtpReply(int code, string? enhanced, string text)
        : this(code, enhanced, [text])
    {
    }

    /// <summary>4xx and 5xx replies count against the session's error limit.</summary>
    public bool IsError => Code >= 400;

    /// <summary>The reply as it goes on the wire, each line CRLF-terminated.</summary>
    public byte[] ToBytes(bool enhancedCodes = true)
    {
        var text = new StringBuilder();
        for (var i = 0; i < Lines.Count; i++)
        {
            text.Append(Code).Append(i == Lines.Count - 1 ? ' ' : '-');
            if (enhancedCodes && Enhanced is not null)
            {
                text.Append(Enhanced).Append(' ');
            }

            text.Append(Lines[i]).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public override string ToString() => Encoding.UTF8.GetString(ToBytes()).TrimEnd();
}
