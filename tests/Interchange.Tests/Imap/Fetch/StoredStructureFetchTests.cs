using System.Buffers;
using System.Text;
using Interchange.Imap.Fetch;
using Interchange.Imap.Protocol;
using Interchange.Mime.Parsing;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Shouldly;

namespace Interchange.Tests.Imap.Fetch;

/// <summary>
/// FETCH from the structure kept with a delivered message (parsed at accept, offsets relative to
/// the blob, shifted by the trace prefix) answers byte for byte as FETCH from a fresh parse of
/// prefix and blob did, for every message of the MIME and fuzz corpora; a message kept without a
/// structure is parsed once and its structure stored.
/// </summary>
public sealed class StoredStructureFetchTests : IAsyncLifetime
{
    private const string Items = "(ENVELOPE BODYSTRUCTURE BODY RFC822.SIZE BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[2] BODY.PEEK[1.1] BODY.PEEK[HEADER.FIELDS (Subject Return-Path)] BINARY.SIZE[1])";
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes("Return-Path: <sender@example.org>\r\nDelivered-To: user@example.com\r\n");
    private readonly TempDirectory _folder = new();
    private SqliteTestDatabase _database = null!;
    private SqliteMailStore _mail = null!;
    private FileBlobStore _blobs = null!;

    public static TheoryData<string> Messages() => Mime.Parsing.StructureCodecTests.Messages();

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        _mail = new SqliteMailStore(_database.Database);
        _blobs = new FileBlobStore(_folder.Path);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _folder.Dispose();
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Fetch_from_the_kept_structure_equals_fetch_from_a_fresh_parse(string file)
    {
        // As SMTP stores it (CRLF line ends), and as it is (APPEND stores the client's bytes).
        foreach (var blob in new[] { Crlf(File.ReadAllBytes(file)), File.ReadAllBytes(file) })
        {
            var stored = await StoreAsync(blob, keepStructure: true);
            var loader = new StructureLoader(_mail, _blobs, new MessageStructureCache(0));

            var structure = await loader.GetAsync(stored, CancellationToken.None);

            // Parsed only when the prefix cannot go in front of the kept structure (the encoder says so).
            loader.Parsed.ShouldBe(StructureCodec.Encode(MimeParser.Parse(blob))[1] == 1 ? 0 : 1);
            Respond(Message(blob, _ => structure)).ShouldBe(Respond(Message(blob, null)));
        }
    }

    [Fact]
    public void Every_well_formed_corpus_message_as_SMTP_stores_it_takes_the_prefix_from_the_kept_structure()
    {
        var wellFormed = Mime.Parsing.StructureCodecTests.Files().Select(f => Crlf(File.ReadAllBytes(f))).Where(b => MimeParser.Parse(b).Defects == MimeDefects.None).ToList();

        wellFormed.Count.ShouldBeGreaterThan(10);
        wellFormed.ShouldAllBe(b => StructureCodec.Decode(StructureCodec.Encode(MimeParser.Parse(b)), Prefix, null) != null);
    }

    [Fact]
    public async Task A_message_kept_without_a_structure_is_parsed_once_and_its_structure_stored()
    {
        var blob = Encoding.ASCII.GetBytes("Received: from x by y; Tue, 1 Dec 2026 20:00:00 +0000\r\nMessage-ID: <old@example.test>\r\nSubject: old\r\n\r\nbody\r\n");
        var stored = await StoreAsync(blob, keepStructure: false);

        var first = new StructureLoader(_mail, _blobs, new MessageStructureCache(0));
        var parsed = await first.GetAsync(stored, CancellationToken.None);
        await first.SaveAsync(CancellationToken.None);
        var second = new StructureLoader(_mail, _blobs, new MessageStructureCache(0));
        var kept = await second.GetAsync(stored, CancellationToken.None);

        (first.Parsed, second.Parsed).ShouldBe((1, 0));
        (await _mail.GetStructureAsync(stored.Blob)).ShouldNotBeNull().MessageId.ShouldBe("<old@example.test>");
        Respond(Message(blob, _ => kept)).ShouldBe(Respond(Message(blob, _ => parsed)));
        Respond(Message(blob, _ => kept)).ShouldBe(Respond(Message(blob, null)));
    }

    [Fact]
    public async Task A_kept_structure_of_an_unknown_version_is_parsed_instead()
    {
        var blob = Encoding.ASCII.GetBytes("Subject: future\r\n\r\nbody\r\n");
        var id = (await _blobs.WriteAsync(new MemoryStream(blob))).Id;
        var encoded = StructureCodec.Encode(MimeParser.Parse(blob));
        encoded[0] = StructureCodec.Version + 1;
        await _mail.SaveStructuresAsync([new StoredStructure(id, null, 0, encoded)]);
        var loader = new StructureLoader(_mail, _blobs, new MessageStructureCache(0));

        var structure = await loader.GetAsync(new StoredMessage(1, id, Prefix, Prefix.Length + blob.Length, DateTimeOffset.UnixEpoch, [], 1), CancellationToken.None);

        loader.Parsed.ShouldBe(1);
        Respond(Message(blob, _ => structure)).ShouldBe(Respond(Message(blob, null)));
    }

    private async Task<StoredMessage> StoreAsync(byte[] blob, bool keepStructure)
    {
        var id = (await _blobs.WriteAsync(new MemoryStream(blob))).Id;
        if (keepStructure)
        {
            var structure = MimeParser.Parse(blob);
            await _mail.SaveStructuresAsync([new StoredStructure(id, structure.Envelope.MessageId, (int)structure.LimitsHit, StructureCodec.Encode(structure))]);
        }

        return new StoredMessage(1, id, Prefix, Prefix.Length + blob.Length, DateTimeOffset.UnixEpoch, [], 1);
    }

    /// <summary>Every line end CRLF, as SMTP stores a message.</summary>
    private static byte[] Crlf(byte[] bytes)
    {
        var output = new List<byte>(bytes.Length + 64);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r'))
            {
                output.Add((byte)'\r');
            }

            output.Add(bytes[i]);
            if (bytes[i] == '\r' && (i + 1 == bytes.Length || bytes[i + 1] != '\n'))
            {
                output.Add((byte)'\n');
            }
        }

        return [.. output];
    }

    private static FetchableMessage Message(byte[] blob, Func<FetchableMessage, MessageStructure>? structure) =>
        new(1, 1, [], DateTimeOffset.UnixEpoch, 1, new Interchange.Storage.Content.PrefixedContent(Prefix, new Interchange.Storage.Content.BytesContent(blob)), structure);

    private static string Respond(IFetchableMessage message)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ImapResponseWriter(output);
        var written = FetchResponder.TryWrite(writer, FetchTestSupport.Request(Items), message, uidCommand: true, flagsChanged: false, out _, out var error);
        return $"{written} {error}\n{Encoding.Latin1.GetString(output.WrittenSpan)}";
    }
}
