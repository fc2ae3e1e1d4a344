using System.Buffers;
using System.Text;
using Interchange.Imap.Fetch;
using Interchange.Imap.Protocol;
using Interchange.Imap.Search;
using Interchange.Mime.Encodings;
using Interchange.Mime.Parsing;

namespace Interchange.Fuzz;

/// <summary>
/// What the fuzzer drives: each target takes arbitrary bytes and must return without an
/// exception, in time linear-ish in the input. An exception is a crash (none is documented for
/// these paths: they read what strangers send). The unit tests replay every corpus file
/// through the same targets, so a crash input committed to the corpus stays a regression test.
/// </summary>
public static class FuzzTargets
{
    private static readonly DateTimeOffset s_date = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static readonly byte[] s_sample = Encoding.ASCII.GetBytes(
        "From: A <a@example.com>\r\nTo: b@example.com\r\nSubject: =?utf-8?Q?caf=C3=A9?=\r\nDate: 1 Jan 2026 00:00:00 +0000\r\n"
        + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-7\r\n\r\nHi Mom -+Jjo--!\r\n"
        + "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n--b--\r\n");

    /// <summary>The targets by name: fuzz/run.sh TARGET, and the corpus folder fuzz/corpus/TARGET.</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["message"] = Message,
        ["imap"] = ImapCommands,
    };

    /// <summary>
    /// A stored message, as IMAP sees it: parse, then ENVELOPE, BODYSTRUCTURE, every section of
    /// every part (BODY, MIME, HEADER, TEXT, BINARY), each part's text decoded by its charset,
    /// and the SEARCH keys that read content.
    /// </summary>
    public static void Message(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var structure = MimeParser.Parse(data);
        var message = FetchableMessage.FromBytes(1, 1, ["\\Seen"], s_date, 1, [], data);
        var writer = new ImapResponseWriter(new ArrayBufferWriter<byte>());
        foreach (var request in Requests.WholeMessage)
        {
            FetchResponder.TryWrite(writer, request, message, uidCommand: true, flagsChanged: false, out _, out _);
        }

        foreach (var path in PartNumbers(structure.Root).Take(64))
        {
            var request = Fetch($"(BODY[{path}] BODY[{path}.MIME] BINARY[{path}] BINARY.SIZE[{path}] BODY[{path}.HEADER] BODY[{path}.TEXT]<0.10>)");
            FetchResponder.TryWrite(writer, request, message, uidCommand: false, flagsChanged: false, out _, out _);
        }

        foreach (var part in structure.Parts.Take(64))
        {
            using var stream = new MemoryStream(data, writable: false);
            _ = PartContent.ReadTextAsync(stream, part).GetAwaiter().GetResult();
            _ = part.ContentDisposition?.FileName;
            _ = part.ContentLanguage;
        }

        foreach (var search in Requests.Searches)
        {
            search.Matches(new SearchableMessage(message, 1, 1));
        }
    }

    /// <summary>
    /// Client bytes through the IMAP command reader, split in two where the first byte says,
    /// as a connection delivers them; every command's arguments through the FETCH and SEARCH grammars.
    /// </summary>
    public static void ImapCommands(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length == 0)
        {
            return;
        }

        var wire = data.AsMemory(1);
        var split = Math.Min(data[0], wire.Length);
        var reader = new ImapCommandReader();
        var pending = ReadOnlySequence<byte>.Empty;
        foreach (var chunk in new[] { wire[..split], wire[split..] })
        {
            pending = Append(pending, chunk);
            while (true)
            {
                var result = reader.TryRead(ref pending);
                if (result.Status == ImapReadStatus.Command)
                {
                    Interpret(result.Command!);
                    continue;
                }

                if (result.Status == ImapReadStatus.Error && result.Error!.Recovery != ImapErrorRecovery.CloseConnection)
                {
                    continue;
                }

                if (result.Status == ImapReadStatus.Error)
                {
                    return;
                }

                break;
            }
        }
    }

    // FETCH and SEARCH arguments through their grammars, and what parses is run against a
    // small fixed message, as the session would.
    private static void Interpret(ImapCommand command)
    {
        var arguments = command.Arguments;
        if (arguments.Count > 1 && command.Name == "FETCH" && FetchRequest.TryParse(arguments.Skip(1).ToList(), out var request, out _))
        {
            var writer = new ImapResponseWriter(new ArrayBufferWriter<byte>());
            FetchResponder.TryWrite(writer, request, SampleMessage(), command.IsUid, flagsChanged: false, out _, out _);
        }
        else if (command.Name == "SEARCH" && SearchProgram.TryParse(arguments, out var program, out _, out _))
        {
            program.Matches(new SearchableMessage(SampleMessage(), 3, 9));
        }

        if (arguments.Count > 0)
        {
            arguments[0].TryGetSequenceSet(out _);
        }
    }

    private static FetchableMessage SampleMessage() => FetchableMessage.FromBytes(2, 7, ["\\Seen", "$Label"], s_date, 5, [], s_sample);

    private static ReadOnlySequence<byte> Append(ReadOnlySequence<byte> pending, ReadOnlyMemory<byte> chunk)
    {
        var joined = new byte[pending.Length + chunk.Length];
        pending.CopyTo(joined);
        chunk.Span.CopyTo(joined.AsSpan((int)pending.Length));
        return new ReadOnlySequence<byte>(joined);
    }

    // IMAP part numbers (RFC 3501 6.4.5): a multipart's children from 1; a non-multipart
    // message has part 1; a message/rfc822 part's parts are those of the message inside.
    private static IEnumerable<string> PartNumbers(MimePart message)
    {
        if (message.Kind != MimePartKind.Multipart)
        {
            yield return "1";
            yield break;
        }

        foreach (var path in Children(message, string.Empty))
        {
            yield return path;
        }
    }

    private static IEnumerable<string> Children(MimePart multipart, string prefix)
    {
        for (var i = 0; i < multipart.Children.Count; i++)
        {
            var child = multipart.Children[i];
            var path = prefix + (i + 1);
            yield return path;
            var inner = child.Kind == MimePartKind.Message ? child.EmbeddedMessage : child;
            if (inner is { Kind: MimePartKind.Multipart })
            {
                foreach (var sub in Children(inner, path + "."))
                {
                    yield return sub;
                }
            }
        }
    }

    // Built on first use, inside a target: the IMAP parser that builds them is instrumented,
    // and instrumented code may run only once SharpFuzz has set up the coverage map.
    private static class Requests
    {
        // Everything FETCH computes from a message as a whole; per-part items are added per input.
        public static readonly FetchRequest[] WholeMessage =
        [
            Fetch("(ENVELOPE BODYSTRUCTURE BODY FLAGS UID RFC822.SIZE INTERNALDATE)"),
            Fetch("(BODY[] BODY[HEADER] BODY[TEXT] BODY[HEADER.FIELDS (From To Subject Content-Type)] BODY[HEADER.FIELDS.NOT (Received)] BODY[]<3.20>)"),
            Fetch("(RFC822 RFC822.HEADER RFC822.TEXT BINARY[] BINARY.SIZE[])"),
        ];

        // SEARCH keys that read the message's content: headers, addresses, decoded text, dates.
        public static readonly SearchProgram[] Searches =
        [
            Search("TEXT \"mom\""),
            Search("BODY \"\u00A3\""),
            Search("SUBJECT \"a\" FROM \"example\" TO \"b\" CC \"c\" BCC \"d\""),
            Search("HEADER \"Content-Type\" \"text\" HEADER \"X-Nothing\" \"\""),
            Search("SENTBEFORE 1-Jan-2030 SENTSINCE 1-Jan-1970 LARGER 10 SMALLER 100000"),
        ];
    }

    private static ImapCommand Command(string line)
    {
        var reader = new ImapCommandReader();
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line + "\r\n"));
        var result = reader.TryRead(ref buffer);
        return result.Command ?? throw new InvalidOperationException($"not a command: {line}");
    }

    private static FetchRequest Fetch(string items) =>
        FetchRequest.TryParse(Command("a FETCH 1 " + items).Arguments.Skip(1).ToList(), out var request, out var error)
            ? request
            : throw new InvalidOperationException($"{items}: {error}");

    private static SearchProgram Search(string keys) =>
        SearchProgram.TryParse(Command("a SEARCH " + keys).Arguments, out var program, out var error)
            ? program
            : throw new InvalidOperationException($"{keys}: {error}");
}
