using System.Buffers;
using System.Text;
using Interchange.Mime.Encodings;

namespace Interchange.Smtp.Filters;

/// <summary>
/// The message at the end of DATA as the filters see and change it: the header fields (ours —
/// the Received field this server put first — included), the body, and the envelope. Changes are
/// kept as edits over the received content and applied once, after the last filter: a message
/// no filter changed is committed as received, with no copy.
/// </summary>
public sealed class SmtpFilterMessage
{
    /// <summary>A header section longer than this is not split into fields: what follows the limit
    /// reads as body, and a field added goes before it. Far beyond any real message's header.</summary>
    public const int MaxHeaderSection = 1024 * 1024;

    private readonly Func<Stream> _openContent;
    private readonly long _bodyOffset;
    private readonly long _contentLength;
    private readonly List<SmtpFilterHeader> _headers;
    private readonly List<string> _recipients;
    private byte[]? _body;

    private SmtpFilterMessage(Func<Stream> openContent, long contentLength, List<SmtpFilterHeader> headers, long bodyOffset, string sender, IEnumerable<string> recipients)
    {
        _openContent = openContent;
        _contentLength = contentLength;
        _headers = headers;
        _bodyOffset = bodyOffset;
        OwnTraceField = headers.Count > 0 && headers[0].Is("Received") ? headers[0] : null;
        Sender = sender;
        _recipients = [.. recipients];
    }

    /// <summary>Reads the header section of the content <paramref name="openContent"/> opens (CRLF line ends, as stored).</summary>
    public static async Task<SmtpFilterMessage> ReadAsync(Func<Stream> openContent, string sender, IEnumerable<string> recipients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(openContent);
        await using var content = openContent();
        var length = content.Length;
        var limit = (int)Math.Min(length, MaxHeaderSection);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(limit, 1));
        try
        {
            var read = 0;
            while (read < limit)
            {
                var n = await content.ReadAsync(buffer.AsMemory(read, limit - read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            var (headers, bodyOffset) = SplitHeader(buffer.AsSpan(0, read));
            return new SmtpFilterMessage(openContent, length, headers, bodyOffset, sender, recipients);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>MAIL FROM as it now stands (empty for the null path).</summary>
    public string Sender { get; private set; }

    /// <summary>The recipients as they now stand.</summary>
    public IReadOnlyList<string> Recipients => _recipients;

    public IReadOnlyList<SmtpFilterHeader> Headers => _headers;

    /// <summary>The Received field this server put first, as read (the instance stays in
    /// <see cref="Headers"/> until a filter removes or replaces it); null when the content did not
    /// start with one. Milters are not shown it, as Sendmail and Postfix hide theirs.</summary>
    public SmtpFilterHeader? OwnTraceField { get; }

    /// <summary>True once any filter changed the content (headers or body); envelope changes are apart.</summary>
    public bool ContentChanged { get; private set; }

    /// <summary>True once any filter changed the sender or the recipients.</summary>
    public bool EnvelopeChanged { get; private set; }

    /// <summary>Set by a filter that wants the message held in the queue for an administrator
    /// (milter SMFIR_QUARANTINE; Postfix's hold queue): the reason, for <c>queue show</c>.</summary>
    public string? HoldReason { get; private set; }

    /// <summary>Set by a filter that wants local recipients to find the message in their Junk
    /// folder (DMARC quarantine, a spam score over the threshold): the reason, for the log.</summary>
    public string? JunkReason { get; private set; }

    /// <summary>The number of fields named <paramref name="name"/>.</summary>
    public int Count(string name) => _headers.Count(h => h.Is(name));

    /// <summary>Adds a field at the end of the header section (milter SMFIR_ADDHEADER).</summary>
    public void AddHeader(SmtpFilterHeader header) => InsertHeader(_headers.Count, header);

    /// <summary>Inserts a field before the field at <paramref name="index"/> (0 = first; past the end = last). SMFIR_INSHEADER counts from 0 too.</summary>
    public void InsertHeader(int index, SmtpFilterHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        _headers.Insert(Math.Clamp(index, 0, _headers.Count), header);
        ContentChanged = true;
    }

    /// <summary>Replaces the <paramref name="occurrence"/>th (1-based) field named <paramref name="name"/>;
    /// an empty value deletes it; a missing occurrence adds the field (SMFIR_CHGHEADER, as Sendmail
    /// and Postfix treat it).</summary>
    public void ChangeHeader(string name, int occurrence, ReadOnlyMemory<byte> rawValue)
    {
        var index = IndexOf(name, occurrence);
        if (rawValue.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            if (index >= 0)
            {
                _headers.RemoveAt(index);
                ContentChanged = true;
            }

            return;
        }

        var field = new SmtpFilterHeader(index >= 0 ? _headers[index].Name : name, rawValue);
        if (index >= 0)
        {
            _headers[index] = field;
        }
        else
        {
            _headers.Add(field);
        }

        ContentChanged = true;
    }

    /// <summary>Removes the field at <paramref name="index"/>.</summary>
    public void RemoveHeaderAt(int index)
    {
        _headers.RemoveAt(index);
        ContentChanged = true;
    }

    /// <summary>Replaces the body (SMFIR_REPLBODY): <paramref name="body"/> must use CRLF line ends.</summary>
    public void ReplaceBody(ReadOnlyMemory<byte> body)
    {
        _body = body.ToArray();
        ContentChanged = true;
    }

    public void ChangeSender(string sender)
    {
        ArgumentNullException.ThrowIfNull(sender);
        Sender = sender;
        EnvelopeChanged = true;
    }

    public void AddRecipient(string recipient)
    {
        ArgumentException.ThrowIfNullOrEmpty(recipient);
        if (!_recipients.Contains(recipient, StringComparer.OrdinalIgnoreCase))
        {
            _recipients.Add(recipient);
            EnvelopeChanged = true;
        }
    }

    public void RemoveRecipient(string recipient)
    {
        if (_recipients.RemoveAll(r => string.Equals(r, recipient, StringComparison.OrdinalIgnoreCase)) > 0)
        {
            EnvelopeChanged = true;
        }
    }

    public void Hold(string reason) => HoldReason ??= reason;

    public void FileAsJunk(string reason) => JunkReason ??= reason;

    /// <summary>The header section as it now stands, blank line included.</summary>
    public byte[] HeaderBytes()
    {
        var output = new ArrayBufferWriter<byte>(4096);
        foreach (var header in _headers)
        {
            Encoding.ASCII.GetBytes(header.Name, output);
            output.Write(":"u8);
            output.Write(header.RawValue.Span);
            output.Write("\r\n"u8);
        }

        output.Write("\r\n"u8);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The body as it now stands (from after the blank line).</summary>
    public Stream OpenBody()
    {
        if (_body is not null)
        {
            return new MemoryStream(_body, writable: false);
        }

        var content = _openContent();
        var start = Math.Min(_bodyOffset, _contentLength);
        return new ByteRangeStream(content, start, _contentLength - start, leaveOpen: false);
    }

    /// <summary>The whole message as it now stands (seekable): header section, then body.</summary>
    public Stream OpenRead() => new JoinedStream(new MemoryStream(HeaderBytes(), writable: false), OpenBody());

    /// <summary>Splits a header section into fields; returns where the body starts. A line that is
    /// neither a field nor a continuation (no colon) ends the header section, as RFC 5322 2.2 reads it.</summary>
    private static (List<SmtpFilterHeader> Headers, long BodyOffset) SplitHeader(ReadOnlySpan<byte> data)
    {
        var headers = new List<SmtpFilterHeader>();
        var position = 0;
        string? name = null;
        var valueStart = 0;
        while (position < data.Length)
        {
            var end = data[position..].IndexOf("\r\n"u8);
            var lineEnd = end < 0 ? data.Length : position + end;
            var next = end < 0 ? data.Length : lineEnd + 2;
            var line = data[position..lineEnd];
            if (line.Length > 0 && line[0] is (byte)' ' or (byte)'\t' && name is not null)
            {
                position = next; // a continuation of the field in progress
                continue;
            }

            if (name is not null)
            {
                headers.Add(new SmtpFilterHeader(name, data[valueStart..(position - 2)].ToArray(), received: true));
                name = null;
            }

            if (line.IsEmpty)
            {
                return (headers, next);
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsFieldName(line[..colon]))
            {
                return (headers, position); // no blank line: the body starts at the first non-field line
            }

            name = Encoding.ASCII.GetString(line[..colon]);
            valueStart = position + colon + 1;
            position = next;
        }

        if (name is not null)
        {
            headers.Add(new SmtpFilterHeader(name, data[valueStart..Math.Max(valueStart, data.Length - (data.EndsWith("\r\n"u8) ? 2 : 0))].ToArray(), received: true));
        }

        return (headers, data.Length);
    }

    /// <summary>RFC 5322 2.2: printable US-ASCII except colon (and here no white space: "Subject :" is obsolete syntax we keep as body-start).</summary>
    private static bool IsFieldName(ReadOnlySpan<byte> name)
    {
        foreach (var b in name)
        {
            if (b is < 33 or > 126)
            {
                return false;
            }
        }

        return true;
    }

    private int IndexOf(string name, int occurrence)
    {
        var seen = 0;
        for (var i = 0; i < _headers.Count; i++)
        {
            if (_headers[i].Is(name) && ++seen == occurrence)
            {
                return i;
            }
        }

        return -1;
    }
}
