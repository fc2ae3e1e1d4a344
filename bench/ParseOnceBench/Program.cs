// Parse once, at accept (issue 9 point 7): CPU per message of what the categorizer does to name a
// message in its log, before (open the blob, parse the whole message) and after (read the
// structure kept at accept), and of IMAP's first structure of a delivered message, before (parse
// prefix and blob) and after (read the kept structure, decode it with the prefix); plus what the
// parse costs where it now happens (fed to the incremental parser as SMTP stores the bytes).
// Single-threaded, N messages of about 3 KiB (a text and an HTML part) and optionally an attachment
// of K KiB (base64), on one SQLite file. Usage: ParseOnceBench DIR [N] [K]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Interchange.Mime.Parsing;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;

var directory = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "interchange-parse-once-" + Guid.NewGuid().ToString("N"));
var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
var attachment = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) * 1024 : 0;
Directory.CreateDirectory(directory);
var blobs = new FileBlobStore(Path.Combine(directory, "blobs"));
await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = Path.Combine(directory, "store.db") });
var queue = new SqliteQueueStore(database);
var mail = new SqliteMailStore(database);
var prefix = Encoding.ASCII.GetBytes("Return-Path: <sender@example.org>\r\nDelivered-To: user@example.test\r\n");

var ids = new List<BlobId>(count);
for (var i = 0; i < count; i++)
{
    var bytes = Message(i, attachment);
    var blob = await blobs.WriteAsync(new MemoryStream(bytes));
    var structure = MimeParser.Parse(bytes);
    await queue.EnqueueAsync(new StagedContent(blob, null), new Envelope("sender@example.org", [new QueuedRecipient("user@example.test")], "bench"), DateTimeOffset.UtcNow, new StoredStructure(blob.Id, structure.Envelope.MessageId, (int)structure.LimitsHit, StructureCodec.Encode(structure)));
    ids.Add(blob.Id);
}

Console.WriteLine($"parse-once benchmark: {count} messages of {Message(0, attachment).Length} bytes, data in {directory}");
await MeasureAsync("accept: incremental parse as SMTP stores (64 KiB blocks)", () =>
{
    var buffer = new byte[64 * 1024];
    foreach (var id in ids)
    {
        using var stream = blobs.OpenRead(id);
        var parser = new MimeParser();
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            parser.Feed(buffer.AsSpan(0, read));
        }

        _ = StructureCodec.Encode(parser.Complete());
    }

    return Task.CompletedTask;
});
await MeasureAsync("categorizer before: open + parse for the Message-ID", async () =>
{
    foreach (var id in ids)
    {
        await using var content = blobs.OpenRead(id);
        _ = (await MimeParser.ParseAsync(content)).Envelope.MessageId;
    }
});
await MeasureAsync("categorizer after: kept Message-ID from the store", async () =>
{
    foreach (var id in ids)
    {
        _ = (await queue.GetStructureAsync(id))?.MessageId;
    }
});
await MeasureAsync("IMAP before: parse prefix + blob (streamed, 64 KiB reads)", () =>
{
    var buffer = new byte[64 * 1024];
    foreach (var id in ids)
    {
        using var content = blobs.OpenRead(id);
        var parser = new MimeParser();
        parser.Feed(prefix);
        int read;
        while ((read = content.Read(buffer)) > 0)
        {
            parser.Feed(buffer.AsSpan(0, read));
        }

        _ = parser.Complete().Envelope.Subject;
    }

    return Task.CompletedTask;
});
await MeasureAsync("IMAP after: kept structure + decode with prefix", async () =>
{
    foreach (var id in ids)
    {
        var kept = await mail.GetStructureAsync(id);
        _ = StructureCodec.Decode(kept!.Structure, prefix)!.Envelope.Subject;
    }
});

var encoded = ids.Select(id => queue.GetStructureAsync(id).GetAwaiter().GetResult()!.Structure).ToList();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kept structure: {encoded.Average(e => e.Length):F0} bytes per message"));
await MeasureAsync("  of which: decode with prefix (no store read)", () =>
{
    foreach (var bytes in encoded)
    {
        _ = StructureCodec.Decode(bytes, prefix)!.Envelope.Subject;
    }

    return Task.CompletedTask;
});
await MeasureAsync("  of which: decode without prefix (APPENDed message)", () =>
{
    foreach (var bytes in encoded)
    {
        _ = StructureCodec.Decode(bytes)!.Envelope.Subject;
    }

    return Task.CompletedTask;
});

Directory.Delete(directory, recursive: true);

async Task MeasureAsync(string name, Func<Task> work)
{
    await work(); // warm-up: JIT, page cache
    var process = Process.GetCurrentProcess();
    process.Refresh();
    var cpu = process.TotalProcessorTime;
    var wall = Stopwatch.StartNew();
    await work();
    wall.Stop();
    process.Refresh();
    var used = process.TotalProcessorTime - cpu;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-58} {used.TotalMicroseconds / count,8:F1} µs CPU/msg  {wall.Elapsed.TotalMicroseconds / count,8:F1} µs wall/msg"));
}

static byte[] Message(int i, int attachment)
{
    var attached = attachment == 0 ? string.Empty
        : "--b1\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + string.Join("\r\n", Convert.ToBase64String(new byte[attachment].Select((_, k) => (byte)(k * 7)).ToArray()).Chunk(76).Select(c => new string(c))) + "\r\n";
    var text = new StringBuilder();
    for (var line = 0; line < 20; line++)
    {
        text.Append(CultureInfo.InvariantCulture, $"Line {line} of message {i}: the quick brown fox jumps over the lazy dog.\r\n");
    }

    var body = text.ToString();
    return Encoding.ASCII.GetBytes(
        $"Received: from client.example.org ([192.0.2.1]) by mx.example.test with ESMTP id {i}; Tue, 1 Dec 2026 20:00:00 +0000\r\n" +
        $"From: Sender <sender@example.org>\r\nTo: User <user@example.test>\r\nSubject: Message {i}\r\n" +
        $"Date: Tue, 1 Dec 2026 20:00:00 +0000\r\nMessage-ID: <{i}.bench@example.org>\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n" +
        $"--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{body}\r\n" +
        $"--b1\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<html><body><pre>{body}</pre></body></html>\r\n{attached}--b1--\r\n");
}
