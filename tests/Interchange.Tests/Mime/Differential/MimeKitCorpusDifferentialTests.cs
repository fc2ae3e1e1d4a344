using System.Text;
using Interchange.Mime.Addresses;
using Interchange.Mime.Parsing;
using Shouldly;
using Kit = MimeKit;

namespace Interchange.Tests.Mime.Differential;

/// <summary>
/// Every message of the corpus (the test suite's Mime/Corpus and the fuzzing seeds under
/// fuzz/corpus/message) read by Interchange.Mime and by MimeKit (persistent, with its parser's
/// offsets): the tree of content types, each part's header start, body start and end, the decoded
/// subject, the Message-ID and the From/To/Cc addresses must agree, or the difference is one of
/// the leniencies listed below with its reason.
/// </summary>
public sealed class MimeKitCorpusDifferentialTests
{
    /// <summary>Where we read a message differently on purpose, by file and aspect, and why.</summary>
    private static readonly Dictionary<(string File, string Aspect), string> Leniencies = new()
    {
        [("Mime/Corpus/address-forms.eml", "cc")] = BareWord,
        [("Mime/Corpus/bare-cr.eml", "structure")] = BareCr,
        [("Mime/Corpus/bare-cr.eml", "offsets")] = BareCr,
        [("Mime/Corpus/bare-cr.eml", "subject")] = BareCr,
        [("Mime/Corpus/bare-cr.eml", "from")] = BareCr,
        [("Mime/Corpus/bare-cr.eml", "to")] = BareCr,
        [("Mime/Corpus/body-without-blank-line.eml", "structure")] = HeaderIntoBoundary,
        [("Mime/Corpus/body-without-blank-line.eml", "offsets")] = HeaderIntoBoundary,
        [("FuzzCorpus/message/mixed-everything.eml", "subject")] = Utf7,
        [("FuzzCorpus/message/crash-utf7-0.eml", "to")] = Mutated,
        [("FuzzCorpus/message/crash-utf7-1.eml", "offsets")] = UnterminatedPartHeader,
        [("FuzzCorpus/message/crash-utf7-1.eml", "from")] = Mutated,
        [("FuzzCorpus/message/crash-utf7-1.eml", "to")] = Mutated,
        [("FuzzCorpus/message/crash-utf7-2.eml", "from")] = Mutated,
        [("FuzzCorpus/message/crash-utf7-2.eml", "cc")] = Mutated,
        [("FuzzCorpus/message/crash-utf7-3.eml", "from")] = Mutated,
        [("FuzzCorpus/message/crash-utf7-3.eml", "cc")] = Mutated,
        [("FuzzCorpus/message/crash-utf7-4.eml", "message-id")] = Mutated,
        [("FuzzCorpus/message/crash-utf7-4.eml", "from")] = Mutated,
        [("FuzzCorpus/message/crash-utf7-4.eml", "cc")] = Mutated,
        [("FuzzCorpus/message/crash-utf7-5.eml", "refused")] = Refused,
        [("FuzzCorpus/message/crash-utf7-6.eml", "refused")] = Refused,
        [("FuzzCorpus/message/crash-utf7-7.eml", "refused")] = Refused,
    };

    private const string BareWord = "a bare word in an address list (\"Smith, John <john@…>\" with its comma unquoted) is a mailbox with no domain here, so the word is not lost (MIME.md, bad input); MimeKit drops it";
    private const string BareCr = "a bare CR ends a line here (MIME.md: CRLF, LF or CR), so the header fields and the boundaries are found; MimeKit reads the whole message as one header line";
    private const string HeaderIntoBoundary = "a header running straight into the first boundary ends at the line starting '--' (MIME.md, bad input), so the part is kept; MimeKit skips the boundary and the part's header as bad header lines of the top header";
    private const string UnterminatedPartHeader = "a part header with no blank line before the next boundary keeps its last line's CRLF here (BODY[n.MIME] ends with a line end); MimeKit gives that CRLF to the delimiter (RFC 2046 5.1.1), two bytes earlier";
    private const string Utf7 = "the subject is UTF-7 (RFC 2152), which we decode with our own codec (MIME.md); MimeKit on .NET Core has no UTF-7 and leaves it encoded";
    private const string Mutated = "a fuzzer's crash reproducer: bytes flipped at random inside the address lists, where each parser recovers differently; ours is held to never throwing and to its limits (FuzzCorpusTests)";
    private const string Refused = "a fuzzer's crash reproducer whose header MimeKit refuses outright (FormatException); we read it best-effort (FuzzCorpusTests)";

    public static TheoryData<string> Messages()
    {
        var data = new TheoryData<string>();
        foreach (var name in MimeCorpus.Names)
        {
            data.Add("Mime/Corpus/" + name);
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "FuzzCorpus", "message"), "*.eml").Order(StringComparer.Ordinal))
        {
            data.Add("FuzzCorpus/message/" + Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Both_parsers_read_the_message_alike(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, file));
        var ours = MimeParser.Parse(bytes);
        KitReading theirs;
        try
        {
            theirs = KitReading.Read(bytes);
        }
        catch (FormatException ex)
        {
            Leniencies.ShouldContainKey((file, "refused"), $"MimeKit refuses the message ({ex.Message}) and no leniency says why");
            return;
        }

        var differences = new List<string>();

        Compare(file, "structure", Tree(ours.Root), theirs.Tree(), differences);
        Compare(file, "offsets", Offsets(ours.Root), theirs.Offsets(), differences);
        Compare(file, "subject", ours.Envelope.DecodedSubject ?? "", theirs.Message.Subject ?? "", differences);
        Compare(file, "message-id", (ours.Envelope.MessageId ?? "").Trim('<', '>'), theirs.Message.MessageId ?? "", differences);
        Compare(file, "from", Addresses(ours.Envelope.From), KitReading.Addresses(theirs.Message.From), differences);
        Compare(file, "to", Addresses(ours.Envelope.To), KitReading.Addresses(theirs.Message.To), differences);
        Compare(file, "cc", Addresses(ours.Envelope.Cc), KitReading.Addresses(theirs.Message.Cc), differences);

        differences.ShouldBeEmpty();
    }

    [Fact]
    public void Every_listed_leniency_is_still_a_difference()
    {
        // A leniency that no longer differs is dead weight that would hide a future regression.
        foreach (var ((file, aspect), _) in Leniencies)
        {
            var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, file));
            if (aspect == "refused")
            {
                Should.Throw<FormatException>(() => KitReading.Read(bytes), $"{file}: MimeKit reads it now");
                continue;
            }

            var ours = MimeParser.Parse(bytes);
            var theirs = KitReading.Read(bytes);
            var (mine, kit) = aspect switch
            {
                "structure" => (Tree(ours.Root), theirs.Tree()),
                "offsets" => (Offsets(ours.Root), theirs.Offsets()),
                "subject" => (ours.Envelope.DecodedSubject ?? "", theirs.Message.Subject ?? ""),
                "message-id" => ((ours.Envelope.MessageId ?? "").Trim('<', '>'), theirs.Message.MessageId ?? ""),
                "from" => (Addresses(ours.Envelope.From), KitReading.Addresses(theirs.Message.From)),
                "to" => (Addresses(ours.Envelope.To), KitReading.Addresses(theirs.Message.To)),
                "cc" => (Addresses(ours.Envelope.Cc), KitReading.Addresses(theirs.Message.Cc)),
                _ => throw new InvalidOperationException(aspect),
            };
            mine.ShouldNotBe(kit, $"{file} {aspect} is listed as a leniency but both now agree");
        }
    }

    private static void Compare(string file, string aspect, string ours, string theirs, List<string> differences)
    {
        if (ours != theirs && !Leniencies.ContainsKey((file, aspect)))
        {
            differences.Add($"{aspect}:\n  ours:    {ours}\n  MimeKit: {theirs}");
        }
    }

    private static string Tree(MimePart part)
    {
        var type = part.ContentType.MimeType.ToLowerInvariant();
        if (part.Kind == MimePartKind.Multipart)
        {
            return $"{type}({string.Join(",", part.Children.Select(Tree))})";
        }

        return part.EmbeddedMessage is { } embedded ? $"{type}[{Tree(embedded)}]" : type;
    }

    private static string Offsets(MimePart root)
    {
        var lines = new StringBuilder();
        Walk(root, "1");
        return lines.ToString();

        void Walk(MimePart part, string path)
        {
            lines.Append($"{path}: {part.HeaderStart}/{part.BodyStart}/{part.BodyEnd}; ");
            for (var i = 0; i < part.Children.Count; i++)
            {
                Walk(part.Children[i], $"{path}.{i + 1}");
            }

            if (part.EmbeddedMessage is { } embedded)
            {
                Walk(embedded, path + ".m");
            }
        }
    }

    private static string Addresses(IReadOnlyList<Address> list) =>
        string.Join(", ", list.SelectMany(a => a switch
        {
            MailboxAddress m => [m.Address.ToLowerInvariant()],
            GroupAddress g => g.Members.Select(m => m.Address.ToLowerInvariant()),
            _ => [],
        }));

    /// <summary>MimeKit's reading of one message, with the offsets its parser reports for each entity.</summary>
    private sealed class KitReading
    {
        private readonly Dictionary<object, (long Begin, long HeadersEnd, long End)> _offsets = new(ReferenceEqualityComparer.Instance);

        private KitReading(byte[] bytes)
        {
            var parser = new Kit.MimeParser(new MemoryStream(bytes), persistent: true);
            parser.MimeMessageEnd += (_, e) => _offsets[e.Message] = (e.BeginOffset, e.HeadersEndOffset, e.EndOffset);
            parser.MimeEntityEnd += (_, e) => _offsets[e.Entity] = (e.BeginOffset, e.HeadersEndOffset, e.EndOffset);
            Message = parser.ParseMessage();
        }

        public Kit.MimeMessage Message { get; }

        public static KitReading Read(byte[] bytes) => new(bytes);

        public static string Addresses(Kit.InternetAddressList list) =>
            string.Join(", ", list.Mailboxes.Select(m => m.Address.ToLowerInvariant()));

        public string Tree() => Tree(Message.Body);

        public string Offsets()
        {
            var lines = new StringBuilder();
            var message = _offsets[Message];
            var body = _offsets[Message.Body!];
            lines.Append($"1: {message.Begin}/{message.HeadersEnd}/{message.End}; ");
            Walk(Message.Body!, "1", body, top: true);
            return lines.ToString();

            void Walk(Kit.MimeEntity entity, string path, (long Begin, long HeadersEnd, long End) at, bool top)
            {
                if (!top)
                {
                    lines.Append($"{path}: {at.Begin}/{at.HeadersEnd}/{at.End}; ");
                }

                if (entity is Kit.Multipart multipart)
                {
                    for (var i = 0; i < multipart.Count; i++)
                    {
                        Walk(multipart[i], $"{path}.{i + 1}", _offsets[multipart[i]], top: false);
                    }
                }
                else if (entity is Kit.MessagePart { Message: { } embedded })
                {
                    var m = _offsets[embedded];
                    lines.Append($"{path}.m: {m.Begin}/{m.HeadersEnd}/{m.End}; ");
                    if (embedded.Body is Kit.Multipart)
                    {
                        Walk(embedded.Body, path + ".m", _offsets[embedded.Body], top: true);
                    }
                }
            }
        }

        private static string Tree(Kit.MimeEntity? entity) => entity switch
        {
            null => "none",
            Kit.Multipart multipart => $"{multipart.ContentType.MimeType.ToLowerInvariant()}({string.Join(",", multipart.Select(Tree))})",
            Kit.MessagePart message => $"{message.ContentType.MimeType.ToLowerInvariant()}[{Tree(message.Message?.Body)}]",
            _ => entity.ContentType.MimeType.ToLowerInvariant(),
        };
    }
}
