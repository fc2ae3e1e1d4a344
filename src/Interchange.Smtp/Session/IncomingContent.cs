using System.Buffers;
using System.Security.Cryptography;
using Interchange.Core.Text;
using Interchange.Mime.Parsing;
using Interchange.Smtp.Protocol;

namespace Interchange.Smtp.Session;

/// <summary>
/// What the session stores of the bytes a client sends (after DATA's unstuffing or BDAT's
/// chunking): every line end made CRLF (bare CR and LF from the outside never reach the store,
/// so no reader can be fooled by them), and on submission the <c>Date</c> and
/// <c>Message-ID</c> fields the client left out. Streams; only a submitted header section is held.
/// What is stored is parsed as it goes (<see cref="Parse"/>, Interchange.Mime's incremental parser
/// in bounded memory), so the message is parsed once, here, and never again after the commit.
/// </summary>
internal sealed class IncomingContent
{
    private readonly CrLfNormalizer _normalizer = new();
    private readonly HeaderCompleter? _completer;
    private readonly ArrayBufferWriter<byte> _canonical = new();
    private readonly ArrayBufferWriter<byte> _completed = new();
    private readonly MimeParser _parser = new();

    private IncomingContent(HeaderCompleter? completer) => _completer = completer;

    public static IncomingContent For(SmtpSession session)
    {
        if (session.Kind == ListenerKind.Smtp)
        {
            return new IncomingContent(null);
        }

        var host = session.HostName;
        return new IncomingContent(new HeaderCompleter(
            session.Options.SubmissionHeaderBuffer,
            () => ReceivedHeader.Date(DateTimeOffset.UtcNow),
            () => $"<{DateTimeOffset.UtcNow:yyyyMMddHHmmss}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}@{host}>"));
    }

    /// <summary>The bytes to store for <paramref name="data"/>; valid until the next call.</summary>
    public ReadOnlyMemory<byte> Shape(ReadOnlySpan<byte> data)
    {
        _canonical.ResetWrittenCount();
        _normalizer.Feed(data, _canonical);
        return ThroughCompleter();
    }

    /// <summary>Parses bytes as they are stored (what <see cref="Shape"/> and <see cref="Complete"/> gave, and the session's own Received field).</summary>
    public void Parse(ReadOnlySpan<byte> stored) => _parser.Feed(stored);

    /// <summary>The structure of everything <see cref="Parse"/> saw; call once, after the last bytes.</summary>
    public MessageStructure Structure() => _parser.Complete();

    /// <summary>The bytes to store once the content has ended (a held-back CR, added fields).</summary>
    public ReadOnlyMemory<byte> Complete()
    {
        _canonical.ResetWrittenCount();
        _normalizer.Complete(_canonical);
        if (_completer is null)
        {
            return _canonical.WrittenMemory;
        }

        _completed.ResetWrittenCount();
        _completer.Feed(_canonical.WrittenSpan, _completed);
        _completer.Complete(_completed);
        return _completed.WrittenMemory;
    }

    private ReadOnlyMemory<byte> ThroughCompleter()
    {
        if (_completer is null)
        {
            return _canonical.WrittenMemory;
        }

        _completed.ResetWrittenCount();
        _completer.Feed(_canonical.WrittenSpan, _completed);
        return _completed.WrittenMemory;
    }
}
