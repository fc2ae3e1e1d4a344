// DKIM signing cost per message (issue 11): what OutboundSigner.SignAsync adds to each delivery
// attempt (parse the message, hash headers and body, sign) for an RSA-2048 key, an Ed25519 key,
// both together (dual signing), and an ARC seal plus both signatures. Single-threaded, N messages
// of about S KiB each (a text body), after a warm-up of 300 (past tiered JIT). Usage: DkimSignBench [N] [S]
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Interchange.MailAuth.Arc;
using Interchange.MailAuth.Dkim;

var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var size = (args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4) * 1024;
var root = Path.Combine(Path.GetTempPath(), "interchange-dkim-bench-" + Guid.NewGuid().ToString("N"));
try
{
    var now = DateTimeOffset.UtcNow;
    var messages = Enumerable.Range(0, count + 300).Select(i => Message(i, size)).ToArray();
    Console.WriteLine($"dkim-sign: {now:yyyy-MM-ddTHH:mmZ}, {Environment.ProcessorCount} cores, {count} messages of {messages[0].Length} bytes, one thread");
    Console.WriteLine($"{"keys",-28} {"µs/msg",8} {"msg/s",8} {"alloc KiB/msg",14}");
    foreach (var (name, algorithms, seal) in new (string, DkimKeyAlgorithm[], bool)[]
    {
        ("rsa-2048", [DkimKeyAlgorithm.Rsa], false),
        ("ed25519", [DkimKeyAlgorithm.Ed25519], false),
        ("rsa-2048 + ed25519", [DkimKeyAlgorithm.Rsa, DkimKeyAlgorithm.Ed25519], false),
        ("arc seal + rsa + ed25519", [DkimKeyAlgorithm.Rsa, DkimKeyAlgorithm.Ed25519], true),
    })
    {
        var store = new DkimKeyStore(Path.Combine(root, name.Replace(' ', '_')));
        foreach (var algorithm in algorithms)
        {
            store.Generate("example.test", null, algorithm, 2048, now);
        }

        var signer = new OutboundSigner(new DkimKeyring(store, TimeSpan.FromMinutes(1)), new DkimSigningOptions(), new ArcOptions(), "example.test", "example.test");
        for (var i = 0; i < 300; i++)
        {
            await Sign(signer, messages[count + i], seal, algorithms.Length + (seal ? 3 : 0));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await Sign(signer, messages[i], seal, algorithms.Length + (seal ? 3 : 0));
        }

        watch.Stop();
        var perMessage = watch.Elapsed.TotalMicroseconds / count;
        var kib = (GC.GetAllocatedBytesForCurrentThread() - allocated) / 1024.0 / count;
        Console.WriteLine($"{name,-28} {perMessage,8:F0} {1_000_000 / perMessage,8:F0} {kib,14:F1}");
    }
}
finally
{
    Directory.Delete(root, recursive: true);
}

static async Task Sign(OutboundSigner signer, byte[] message, bool seal, int expectedFields)
{
    using var stream = new MemoryStream(message, writable: false);
    var fields = await signer.SignAsync(stream, seal, CancellationToken.None);
    var count = Encoding.ASCII.GetString(fields).Split("\r\n").Count(l => l.Length > 0 && l[0] is not (' ' or '\t'));
    if (count != expectedFields)
    {
        throw new InvalidOperationException($"expected {expectedFields} fields, got {count}");
    }
}

static byte[] Message(int i, int size)
{
    var text = new StringBuilder();
    text.Append(CultureInfo.InvariantCulture, $"From: Alice <alice@example.test>\r\nTo: bob@remote.test\r\nSubject: message {i}\r\n");
    text.Append(CultureInfo.InvariantCulture, $"Date: Wed, 02 Dec 2026 04:00:00 +0000\r\nMessage-ID: <{i}@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
    while (text.Length < size)
    {
        text.Append(CultureInfo.InvariantCulture, $"Line {text.Length} of message {i}: the quick brown fox jumps over the lazy dog.\r\n");
    }

    return Encoding.ASCII.GetBytes(text.ToString());
}
