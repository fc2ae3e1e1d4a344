using System.Buffers;

namespace Interchange.Imap.Protocol;

/// <summary>
/// Reads IMAP commands from a connection's buffered input, Kestrel HttpParser style: each
/// call parses from the start of the buffer and either returns a command (advancing the
/// buffer past it) or says what is missing, leaving the caller to read more. It never asks
/// for more than the limits allow: line length is checked before waiting for the rest of a
/// line, a literal's size before waiting for its bytes. One reader per connection: it
/// remembers which synchronizing literals it already asked for, and input it is discarding.
/// </summary>
public sealed class ImapCommandReader
{
    private readonly ImapParserOptions _options;

    // The command read so far, while it is incomplete.
    private PendingCommand? _pending;

    // Error recovery: discarding the rest of a command line, and literal bytes inside it.
    private bool _discarding;
    private long _skipRemaining;
    private int _tailState;
    private long _tailNumber;
    private bool _tailOverflow;

    public ImapCommandReader(ImapParserOptions? options = null)
    {
        _options = options ?? ImapParserOptions.Default;
    }

    public ImapParserOptions Options => _options;

    /// <summary>
    /// Parses the next command from <paramref name="buffer"/>, which starts where the last call
    /// left it and holds everything not consumed since, plus what arrived. On return the buffer starts after whatever was consumed; for NeedMoreData and
    /// NeedContinuation the caller marks the rest as examined and reads more.
    /// </summary>
    public ImapReadResult TryRead(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (_skipRemaining > 0)
            {
                var n = Math.Min(_skipRemaining, buffer.Length);
                buffer = buffer.Slice(n);
                _skipRemaining -= n;
                if (_skipRemaining > 0)
                {
                    return new ImapReadResult(ImapReadStatus.NeedMoreData);
                }
            }

            if (_discarding)
            {
                if (!DiscardLine(ref buffer))
                {
                    return new ImapReadResult(ImapReadStatus.NeedMoreData);
                }

                if (_tailOverflow)
                {
                    _tailOverflow = false;
                    _discarding = false;
                    return new ImapReadResult(ImapReadStatus.Error)
                    {
                        Error = new ImapParseError(ImapParseErrorKind.LiteralTooBig, null, "Literal size unreadable") { Recovery = ImapErrorRecovery.CloseConnection },
                    };
                }

                continue;
            }

            return Parse(ref buffer);
        }
    }

    /// <summary>
    /// After NeedContinuation, refuses the literal instead of sending "+": the client will not
    /// send it, so the command so far is dropped. The caller replies tagged NO or BAD.
    /// </summary>
    public void RefuseContinuation(ref ReadOnlySequence<byte> buffer)
    {
        // The literal's announcement line ends where the literal would start.
        buffer = buffer.Slice(Math.Min(_pending?.Offset ?? 0, buffer.Length));
        _pending = null;
    }

    /// <summary>
    /// After <see cref="ImapReadStatus.StreamLiteral"/> for a non-synchronizing literal the caller
    /// refuses: its <paramref name="length"/> bytes are on their way, so they and the rest of the
    /// command line are discarded as they arrive (nothing is buffered). The caller replies tagged.
    /// </summary>
    public void SkipLiteral(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _pending = null;
        _skipRemaining = length;
        _discarding = true;
        _tailState = 0;
        _tailNumber = 0;
        _tailOverflow = false;
    }

    /// <summary>True while the bytes awaited are a literal's (or a refused literal's being skipped), not a command line.</summary>
    public bool AwaitingLiteral => _skipRemaining > 0 || _pending?.AwaitedLiteral is not null;

    /// <summary>Forgets everything, as after STARTTLS, where buffered plaintext is discarded.</summary>
    public void Reset()
    {
        _pending = null;
        _discarding = false;
        _skipRemaining = 0;
        _tailState = 0;
        _tailNumber = 0;
        _tailOverflow = false;
    }

    private ImapReadResult Parse(ref ReadOnlySequence<byte> buffer)
    {
        // Progress is kept between calls (the buffer's start does not move until a command is
        // consumed), so bytes are scanned once: a client dripping one byte at a time costs
        // linear work, not a re-parse of everything so far per byte.
        var state = _pending ??= new PendingCommand(_options);
        if (buffer.Length < state.Scanned)
        {
            throw new InvalidOperationException("The buffer lost bytes the reader had examined but not consumed; pass the same input plus what arrived since.");
        }

        var builder = state.Builder;
        while (true)
        {
            if (state.AwaitedLiteral is { } announcement && state.AwaitedValue is { } literal)
            {
                if (buffer.Length - state.Offset < announcement.Length)
                {
                    if (!announcement.NonSynchronizing && !state.ContinuationSent)
                    {
                        state.ContinuationSent = true;
                        return new ImapReadResult(ImapReadStatus.NeedContinuation) { LiteralLength = announcement.Length, IsLiteral8 = announcement.Literal8 };
                    }

                    return new ImapReadResult(ImapReadStatus.NeedMoreData);
                }

                // The bytes are copied once, when the whole command is there.
                state.Literals.Add((literal, state.Offset, announcement.Length));
                state.Offset += announcement.Length;
                state.Scanned = state.Offset;
                state.AwaitedLiteral = null;
                state.AwaitedValue = null;
                state.ContinuationSent = false;
            }

            var segmentStart = state.Offset;
            var budget = _options.MaxLineLength - state.LineBytes;
            var rest = buffer.Slice(segmentStart);
            var searched = state.Scanned - segmentStart;
            var window = rest.Slice(searched, Math.Min(rest.Length, budget) - searched);
            var lf = window.PositionOf((byte)'\n');
            if (lf is null)
            {
                if (rest.Length < budget)
                {
                    state.Scanned = segmentStart + rest.Length;
                    return new ImapReadResult(ImapReadStatus.NeedMoreData);
                }

                builder.Tag ??= PeekTag(rest);
                return Fail(ref buffer, segmentStart, builder.Fail(ImapParseErrorKind.LineTooLong, "Command line too long"));
            }

            var lineWithLf = rest.Slice(0, rest.GetPosition(1, lf.Value));
            state.LineBytes += lineWithLf.Length;
            state.Offset += lineWithLf.Length;
            state.Scanned = state.Offset;
            var line = lineWithLf.Slice(0, lineWithLf.Length - 1);
            if (line.Length > 0 && EndsWithCr(line))
            {
                line = line.Slice(0, line.Length - 1);
            }

            if (line.Length == 0 && builder.Tag is null)
            {
                // Empty lines between commands are ignored, as most servers do.
                buffer = buffer.Slice(state.Offset);
                state = _pending = new PendingCommand(_options);
                builder = state.Builder;
                continue;
            }

            var outcome = Tokenize(line, builder, out var announced, out var error);
            if (outcome == ImapLineTokenizer.Outcome.Error)
            {
                return Fail(ref buffer, segmentStart, error!);
            }

            if (outcome == ImapLineTokenizer.Outcome.EndOfLine)
            {
                if (builder.HasOpenList)
                {
                    return Fail(ref buffer, segmentStart, builder.Fail(ImapParseErrorKind.Syntax, "Missing )"));
                }

                var command = builder.Build();
                foreach (var (value, at, length) in state.Literals)
                {
                    value.Bytes = buffer.Slice(at, length).ToArray();
                }

                buffer = buffer.Slice(state.Offset);
                _pending = null;
                return new ImapReadResult(ImapReadStatus.Command) { Command = command };
            }

            if (!state.Streamed && IsStreamed(builder, announced))
            {
                state.Streamed = true;
                var streamed = ImapValue.Literal(announced.Literal8);
                if (!builder.Add(streamed, out error))
                {
                    return Fail(ref buffer, segmentStart, error!);
                }

                // The caller reads the literal from the transport itself, so the buffer moves to
                // where it starts: earlier literals of the command are copied out first.
                foreach (var (value, at, length) in state.Literals)
                {
                    value.Bytes = buffer.Slice(at, length).ToArray();
                }

                state.Literals.Clear();
                buffer = buffer.Slice(state.Offset);
                state.Offset = 0;
                state.Scanned = 0;
                return new ImapReadResult(ImapReadStatus.StreamLiteral)
                {
                    LiteralLength = announced.Length,
                    IsLiteral8 = announced.Literal8,
                    NonSynchronizing = announced.NonSynchronizing,
                    Literal = streamed,
                    Tag = builder.Tag,
                };
            }

            // A literal: its size is checked before waiting for a single byte of it.
            if (LiteralLimitError(announced, state.LiteralBytes, builder) is { } tooBig)
            {
                return Fail(ref buffer, segmentStart, tooBig);
            }

            // Counted now, on the announcement line, so a refusal skips the literal rather than reading it as commands.
            var placeholder = ImapValue.Literal(announced.Literal8);
            if (!builder.Add(placeholder, out error))
            {
                return Fail(ref buffer, segmentStart, error!);
            }

            state.LiteralBytes += announced.Length;
            state.AwaitedLiteral = announced;
            state.AwaitedValue = placeholder;
        }
    }

    // APPEND's message: a literal after the mailbox name, at the top level or as the one item of
    // RFC 6855's "UTF8 (literal8)", unless LITERAL- refuses it anyway. Only one per command (the
    // caller's PendingCommand.Streamed): MULTIAPPEND is not offered, and any other literal is buffered
    // and held to MaxLiteralSize, so one command cannot stream without end into storage.
    private bool IsStreamed(ImapCommandBuilder builder, LiteralAnnouncement literal) =>
        literal.Length >= 0
        && builder.TopLevelCount >= 1
        && (builder.OpenDepth == 0 || (builder.OpenDepth == 1 && builder.LastTopLevel is { } last && last.IsAtom("UTF8")))
        && builder.Name is { } name && _options.StreamedLiteralCommands.Contains(name, StringComparer.Ordinal)
        && !(literal.NonSynchronizing && _options.LiteralMinus && literal.Length > ImapParserOptions.LiteralMinusLimit);

    private ImapParseError? LiteralLimitError(LiteralAnnouncement literal, long literalBytesSoFar, ImapCommandBuilder builder)
    {
        string? message = null;
        if (literal.Length < 0)
        {
            message = "Literal size unreadable";
        }
        else if (literal.Length > _options.MaxLiteralSize - literalBytesSoFar)
        {
            message = "Literal too big";
        }
        else if (literal.NonSynchronizing && _options.LiteralMinus && literal.Length > ImapParserOptions.LiteralMinusLimit)
        {
            message = "Non-synchronizing literal over 4096 bytes (LITERAL-)";
        }

        if (message is null)
        {
            return null;
        }

        // A refused synchronizing literal is never sent: NO [TOOBIG] and the command is over.
        // A non-synchronizing one is on its way (RFC 7888 §4: BAD).
        return builder.Fail(ImapParseErrorKind.LiteralTooBig, message) with
        {
            Status = literal.NonSynchronizing ? ImapStatus.Bad : ImapStatus.No,
            ResponseCode = "TOOBIG",
        };
    }

    private ImapReadResult Fail(ref ReadOnlySequence<byte> buffer, long segmentStart, ImapParseError error)
    {
        // Whatever came before the failing line (earlier lines and their literals) is
        // dropped; the failing line is discarded up to its end, and a non-synchronizing
        // literal it announces is skipped as it arrives.
        _pending = null;
        buffer = buffer.Slice(segmentStart);
        _discarding = true;
        _tailState = 0;
        _tailNumber = 0;
        _tailOverflow = false;
        var lineEnded = DiscardLine(ref buffer);
        if (lineEnded && _tailOverflow)
        {
            _tailOverflow = false;
            _discarding = false;
            return Error(error with { Recovery = ImapErrorRecovery.CloseConnection });
        }

        if (lineEnded && _skipRemaining > 0)
        {
            if (_skipRemaining > _options.MaxDiscardedLiteralSize)
            {
                Reset();
                return Error(error with { Recovery = ImapErrorRecovery.CloseConnection });
            }

            return Error(error with { Recovery = ImapErrorRecovery.SkipLiteral, BytesToSkip = _skipRemaining });
        }

        return Error(error);

        static ImapReadResult Error(ImapParseError error) => new(ImapReadStatus.Error) { Error = error };
    }

    // Consumes bytes up to and including the next LF; true when it was found. Watches for a
    // "{n+}" just before the line end: that literal's bytes follow and are skipped too, then
    // discarding goes on, since the command line continues after a literal.
    private bool DiscardLine(ref ReadOnlySequence<byte> buffer)
    {
        var consumed = 0L;
        foreach (var memory in buffer)
        {
            var span = memory.Span;
            for (var i = 0; i < span.Length; i++)
            {
                consumed++;
                var b = span[i];
                if (b == '\n')
                {
                    buffer = buffer.Slice(consumed);
                    if (_tailState == 4)
                    {
                        _skipRemaining = _tailNumber;
                    }
                    else
                    {
                        _discarding = false;
                        _tailOverflow = false;
                    }

                    _tailState = 0;
                    _tailNumber = 0;
                    return true;
                }

                Track(b);
            }
        }

        buffer = buffer.Slice(buffer.End);
        return false;
    }

    // States: 0 none, 1 digits after "{", 2 after "+", 3 "}" of a synchronizing literal, 4 "}" after "+".
    private void Track(byte b)
    {
        switch (b)
        {
            case (byte)'{':
                _tailState = 1;
                _tailNumber = -1;
                _tailOverflow = false;
                break;
            case >= (byte)'0' and <= (byte)'9' when _tailState == 1:
                var digit = b - '0';
                if (_tailNumber < 0)
                {
                    _tailNumber = digit;
                }
                else if (_tailNumber > (long.MaxValue - digit) / 10)
                {
                    _tailOverflow = true;
                    _tailNumber = long.MaxValue;
                }
                else
                {
                    _tailNumber = (_tailNumber * 10) + digit;
                }

                break;
            case (byte)'+' when _tailState == 1 && _tailNumber >= 0:
                _tailState = 2;
                break;
            case (byte)'}' when _tailState is 1 or 2 && _tailNumber >= 0:
                _tailState = _tailState == 1 ? 3 : 4;
                break;
            case (byte)'\r' when _tailState is 3 or 4:
                break;
            default:
                _tailState = 0;
                _tailOverflow = false;
                break;
        }
    }

    private sealed class PendingCommand(ImapParserOptions options)
    {
        public ImapCommandBuilder Builder { get; } = new(options);

        public List<(ImapValue Value, long Offset, long Length)> Literals { get; } = [];

        /// <summary>Where the next line segment (or the awaited literal) starts, from the buffer start.</summary>
        public long Offset { get; set; }

        /// <summary>How far the search for the line's LF has gone.</summary>
        public long Scanned { get; set; }

        public long LineBytes { get; set; }

        public long LiteralBytes { get; set; }

        /// <summary>Whether this command's message literal has been handed to the caller to stream.</summary>
        public bool Streamed { get; set; }

        public LiteralAnnouncement? AwaitedLiteral { get; set; }

        public ImapValue? AwaitedValue { get; set; }

        public bool ContinuationSent { get; set; }
    }

    private static ImapLineTokenizer.Outcome Tokenize(ReadOnlySequence<byte> line, ImapCommandBuilder builder, out LiteralAnnouncement announcement, out ImapParseError? error)
    {
        // Fast path: the line lies in one segment. Lines are bounded by MaxLineLength, so the copy is too.
        if (line.IsSingleSegment)
        {
            return ImapLineTokenizer.TokenizeLine(line.FirstSpan, builder, out announcement, out error);
        }

        var copy = ArrayPool<byte>.Shared.Rent((int)line.Length);
        try
        {
            line.CopyTo(copy);
            return ImapLineTokenizer.TokenizeLine(copy.AsSpan(0, (int)line.Length), builder, out announcement, out error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static bool EndsWithCr(ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == '\r';
    }

    // The tag of a line too long to parse, so the BAD can be tagged.
    private static string? PeekTag(ReadOnlySequence<byte> rest)
    {
        var head = rest.Slice(0, Math.Min(rest.Length, 256));
        Span<byte> bytes = stackalloc byte[(int)head.Length];
        head.CopyTo(bytes);
        var space = bytes.IndexOf((byte)' ');
        if (space <= 0)
        {
            return null;
        }

        foreach (var b in bytes[..space])
        {
            if (!ImapLineTokenizer.IsAstringChar(b) || b == '+')
            {
                return null;
            }
        }

        return System.Text.Encoding.ASCII.GetString(bytes[..space]);
    }
}
