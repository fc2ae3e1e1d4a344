using System.Buffers;
using System.Text;
using Interchange.Imap.Protocol;

namespace Interchange.Tests.Imap;

/// <summary>
/// Plays a client's bytes into an <see cref="ImapCommandReader"/> in chunks, the way a
/// connection would (multi-segment buffers, consumed bytes dropped, more read on
/// NeedMoreData/NeedContinuation), and records what the reader said.
/// </summary>
internal static class ImapWire
{
    public static List<string> Run(string wire, ImapParserOptions? options = null) => Run(Encoding.UTF8.GetBytes(wire), [], options);

    public static List<string> Run(byte[] wire, IReadOnlyList<int> splits, ImapParserOptions? options = null, Action<ImapCommand>? onCommand = null)
    {
        var reader = new ImapCommandReader(options);
        var events = new List<string>();
        var pending = new List<ReadOnlyMemory<byte>>();
        var previous = 0;
        foreach (var end in splits.Append(wire.Length))
        {
            if (end > previous)
            {
                pending.Add(wire.AsMemory(previous, end - previous));
            }

            previous = end;
            while (true)
            {
                var buffer = Sequence(pending);
                var before = buffer.Length;
                var result = reader.TryRead(ref buffer);
                Drop(pending, before - buffer.Length);
                if (result.Status == ImapReadStatus.Command)
                {
                    events.Add(Describe(result.Command!));
                    onCommand?.Invoke(result.Command!);
                    continue;
                }

                if (result.Status == ImapReadStatus.Error)
                {
                    var e = result.Error!;
                    events.Add($"{e.Tag ?? "*"} {e.Status.ToString().ToUpperInvariant()}{(e.ResponseCode is null ? string.Empty : " [" + e.ResponseCode + "]")} {e.Kind} {e.Recovery}{(e.BytesToSkip > 0 ? " " + e.BytesToSkip : string.Empty)}");
                    if (e.Recovery == ImapErrorRecovery.CloseConnection)
                    {
                        return events;
                    }

                    continue;
                }

                if (result.Status == ImapReadStatus.NeedContinuation)
                {
                    events.Add($"+ {result.LiteralLength}");
                }

                break;
            }
        }

        return events;
    }

    /// <summary>A command with each value's kind visible: numbers #n, sets [set], literals {n}'bytes', NIL as NIL.</summary>
    public static string Describe(ImapCommand command) =>
        $"{command.Tag} {(command.IsUid ? "UID " : string.Empty)}{command.Name}" + string.Concat(command.Arguments.Select(a => " " + Describe(a)));

    public static string Describe(ImapValue value) => value.Kind switch
    {
        ImapValueKind.Number => "#" + value.Number,
        ImapValueKind.SequenceSet => "[" + value.SequenceSet + "]",
        ImapValueKind.Nil => "NIL",
        ImapValueKind.QuotedString => value.ToString(),
        ImapValueKind.Literal => (value.IsLiteral8 ? "~{" : "{") + value.Bytes.Length + "}'" + Encoding.Latin1.GetString(value.Bytes.Span) + "'",
        ImapValueKind.List => "(" + string.Join(' ', value.Items.Select(Describe)) + ")",
        _ => value.Text,
    };

    /// <summary>Events without continuation requests, which depend on how the bytes arrived.</summary>
    public static List<string> WithoutContinuations(IEnumerable<string> events) => events.Where(e => !e.StartsWith('+')).ToList();

    public static ReadOnlySequence<byte> Sequence(IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        var nonEmpty = parts.Where(p => p.Length > 0).ToList();
        if (nonEmpty.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        if (nonEmpty.Count == 1)
        {
            return new ReadOnlySequence<byte>(nonEmpty[0]);
        }

        var first = new Segment(nonEmpty[0], 0);
        var last = first;
        foreach (var part in nonEmpty.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private static void Drop(List<ReadOnlyMemory<byte>> pending, long count)
    {
        while (count > 0)
        {
            var head = pending[0];
            if (head.Length <= count)
            {
                count -= head.Length;
                pending.RemoveAt(0);
            }
            else
            {
                pending[0] = head[(int)count..];
                count = 0;
            }
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
