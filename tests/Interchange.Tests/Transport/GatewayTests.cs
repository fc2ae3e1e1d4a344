using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Interchange.Transport.Gateway;
using Interchange.Transport.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace Interchange.Tests.Transport;

/// <summary>Issue 10 point 3: files exchanged with a foreign system, never lost, never twice.</summary>
public sealed class GatewayTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();
    private SqliteTestDatabase _database = null!;
    private SqliteQueueStore _queue = null!;
    private MessageAcceptor _acceptor = null!;
    private GatewayOptions _options = null!;

    private string Pickup => _options.PickupFolder;

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        _queue = new SqliteQueueStore(_database.Database);
        _acceptor = new MessageAcceptor(new FileBlobStore(_folder.File("blobs")), _queue, new QueueSignal());
        _options = new GatewayOptions { Name = "foreign", DropFolder = _folder.File("drop"), PickupFolder = _folder.File("pickup") };
        System.IO.Directory.CreateDirectory(Pickup);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_dropped_file_is_queued_with_its_envelope_and_canonical_line_ends_then_removed()
    {
        File.WriteAllBytes(Path.Combine(Pickup, "0001.eml"), "X-Sender: <ccmail@foreign.test>\nX-Receiver: <alice@example.test>\r\nX-Receiver: bob@example.test\nSubject: from the foreign system\n\nline one\nline two\r\n"u8.ToArray());

        (await NewPickup().RunOnceAsync(CancellationToken.None)).ShouldBe(1);

        var queued = (await _queue.FindNewAsync(0, 1, 10)).ShouldHaveSingleItem();
        queued.Envelope.MailFrom.ShouldBe("ccmail@foreign.test");
        queued.Envelope.Recipients.Select(r => r.Address).ShouldBe(["alice@example.test", "bob@example.test"]);
        var text = await ReadAsync(queued.Blob);
        text.ShouldStartWith("Received: from gateway foreign by mx.example.test with FILE; ");
        text.ShouldEndWith("\r\nSubject: from the foreign system\r\n\r\nline one\r\nline two\r\n");
        text.ShouldNotContain("X-Receiver");
        System.IO.Directory.EnumerateFiles(Pickup, "*", SearchOption.AllDirectories).ShouldBeEmpty("queued, then removed");
    }

    [Fact]
    public async Task A_file_offered_again_after_a_crash_between_the_queue_commit_and_its_removal_is_queued_once()
    {
        File.WriteAllBytes(Path.Combine(Pickup, "0002.eml"), Message("twice?"));
        var work = Path.Combine(Pickup, ".work");
        await NewPickup().RunOnceAsync(CancellationToken.None);
        // The crash: the claimed file was queued, but its deletion never reached the disk. It is
        // back in .work under the name it was claimed with (the name the queue recorded).
        var key = (await _queue.FindNewAsync(0, 1, 10)).ShouldHaveSingleItem();
        var claimedName = await ClaimedNameAsync();
        File.WriteAllBytes(Path.Combine(work, claimedName), Message("twice?"));

        (await NewPickup().RunOnceAsync(CancellationToken.None)).ShouldBe(1, "offered again (a pass queues what it finds claimed)");

        (await _queue.FindNewAsync(0, 1, 10)).ShouldHaveSingleItem().Id.ShouldBe(key.Id, "the store found the key: nothing queued twice");
        System.IO.Directory.EnumerateFiles(work).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_file_claimed_but_not_queued_before_a_crash_is_queued_by_the_next_pass()
    {
        var work = Path.Combine(Pickup, ".work");
        System.IO.Directory.CreateDirectory(work);
        File.WriteAllBytes(Path.Combine(work, "0c1a1m3d-0003.eml"), Message("claimed then crashed"));

        (await NewPickup().RunOnceAsync(CancellationToken.None)).ShouldBe(1);

        (await _queue.FindNewAsync(0, 1, 10)).ShouldHaveSingleItem();
        System.IO.Directory.EnumerateFiles(work).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_file_without_an_envelope_is_set_aside_with_its_reason_and_the_others_are_still_queued()
    {
        File.WriteAllBytes(Path.Combine(Pickup, "0004.eml"), "Subject: no envelope\r\n\r\nx\r\n"u8.ToArray());
        File.WriteAllBytes(Path.Combine(Pickup, "0005.eml"), "X-Sender: <a@foreign.test>\r\nX-Receiver: <not an address>\r\n\r\nx\r\n"u8.ToArray());
        File.WriteAllBytes(Path.Combine(Pickup, "0006.eml"), Message("good"));
        File.WriteAllBytes(Path.Combine(Pickup, ".0007.eml.part"), Message("still being written"));

        (await NewPickup().RunOnceAsync(CancellationToken.None)).ShouldBe(1);

        (await _queue.FindNewAsync(0, 1, 10)).ShouldHaveSingleItem();
        var reasons = System.IO.Directory.EnumerateFiles(Path.Combine(Pickup, ".bad"), "*.reason").Select(File.ReadAllText).ToList();
        reasons.Count.ShouldBe(2);
        reasons.ShouldContain(r => r.Contains("does not start with an X-Sender", StringComparison.Ordinal));
        reasons.ShouldContain(r => r.Contains("X-Receiver 'not an address'", StringComparison.Ordinal));
        File.Exists(Path.Combine(Pickup, ".0007.eml.part")).ShouldBeTrue("a dot-file is being written: left alone");
    }

    [Fact]
    public async Task A_message_is_dropped_once_as_its_queue_id_and_domain_and_a_retry_replaces_the_file()
    {
        var drop = new GatewayDrop(_options.DropFolder);
        var envelope = new GatewayEnvelope("alice@example.test", ["user1@foreign.test", "user2@foreign.test"]);
        using var first = new BytesContent(Message("outbound"));

        var path = await drop.WriteAsync(42, "foreign.test", envelope, first, CancellationToken.None);
        using var again = new BytesContent(Message("outbound"));
        await drop.WriteAsync(42, "foreign.test", envelope, again, CancellationToken.None);

        System.IO.Directory.EnumerateFiles(_options.DropFolder).Select(Path.GetFileName).ShouldBe(["42-foreign.test.eml"]);
        System.IO.Directory.EnumerateFiles(Path.Combine(_options.DropFolder, ".tmp")).ShouldBeEmpty();
        var written = File.ReadAllBytes(path);
        GatewayEnvelope.TryRead(written, out var read, out var length, out _).ShouldBeTrue();
        read.Sender.ShouldBe("alice@example.test");
        read.Recipients.ShouldBe(["user1@foreign.test", "user2@foreign.test"]);
        written.AsSpan(length).ToArray().ShouldBe(Message("outbound"));
    }

    [Fact]
    public async Task The_pickup_loop_outlives_a_folder_it_cannot_use_and_returns_on_its_token()
    {
        System.IO.Directory.Delete(Pickup);
        File.WriteAllText(Pickup, "a file where the folder should be"); // every pass fails: no .work can be made
        _options.PollInterval = TimeSpan.FromMilliseconds(20);
        using var stop = new CancellationTokenSource();
        var loop = NewPickup().RunAsync(stop.Token);
        await Task.Delay(100); // a few failed passes (not an assertion: the loop must still be there after them)
        loop.IsCompleted.ShouldBeFalse();

        File.Delete(Pickup);
        System.IO.Directory.CreateDirectory(Pickup);
        File.WriteAllBytes(Path.Combine(Pickup, "0008.eml"), Message("after the folder came back"));
        await Eventually.TrueAsync(async () => (await _queue.FindNewAsync(0, 1, 10)).Count == 1, "the file is queued once the folder works");

        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(10)); // rule 5: returns, without throwing, on its token
    }

    [Fact]
    public void An_envelope_address_with_a_line_break_is_refused_rather_than_written_as_a_header()
    {
        Should.Throw<ArgumentException>(() => new GatewayEnvelope("a@example.test\r\nX-Receiver: <victim@x.test>", ["b@foreign.test"]).Format());
    }

    private GatewayPickup NewPickup() => new(_options, _acceptor, _queue, "mx.example.test", NullLogger.Instance);

    private static byte[] Message(string subject) =>
        Encoding.ASCII.GetBytes($"X-Sender: <ccmail@foreign.test>\r\nX-Receiver: <alice@example.test>\r\nSubject: {subject}\r\n\r\nbody\r\n");

    private async Task<string> ReadAsync(BlobRef blob)
    {
        using var content = new SqliteContentStore(_database.Database, new FileBlobStore(_folder.File("blobs"))).Open(blob);
        var bytes = new byte[content.Length];
        var read = 0;
        while (read < bytes.Length)
        {
            read += await content.ReadAsync(read, bytes.AsMemory(read));
        }

        return Encoding.ASCII.GetString(bytes);
    }

    private async Task<string> ClaimedNameAsync()
    {
        var key = await _database.Database.ReadAsync(c => Dapper.SqlMapper.ExecuteScalar<string>(c, "SELECT key FROM queue_sources"));
        return key!.Split(':', 3)[2];
    }
}
