using System.Text;
using Interchange.Storage.Blobs;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Interchange.Transport;
using Interchange.Transport.Gateway;
using Interchange.Transport.Queue;
using Interchange.Transport.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Shouldly;

namespace Interchange.Tests.Transport;

/// <summary>Issue 10 point 3, outbound: claimed batches become files in the gateway's drop folder, once each.</summary>
public sealed class GatewayConnectorTests : IAsyncLifetime
{
    private const string Node = "node-a";
    private readonly TempDirectory _folder = new();
    private SqliteTestDatabase _database = null!;
    private SqliteQueueStore _queue = null!;
    private MessageAcceptor _acceptor = null!;
    private GatewayOptions _options = null!;
    private GatewayConnector _connector = null!;

    private string Drop => _options.DropFolder;

    public async Task InitializeAsync()
    {
        _database = await SqliteTestDatabase.CreateAsync();
        _queue = new SqliteQueueStore(_database.Database);
        var blobs = new FileBlobStore(_folder.File("blobs"));
        _acceptor = new MessageAcceptor(blobs, _queue, new QueueSignal());
        _options = new GatewayOptions { Name = "foreign", DropFolder = _folder.File("drop"), Workers = 2 };
        _connector = new GatewayConnector(_options, _queue, new SqliteContentStore(_database.Database, blobs), new RoutingTable(), new QueueSignal(), null, new TransportOptions(), Node, NullLogger<GatewayConnector>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public void The_connector_is_named_as_its_gateway_with_its_workers() =>
        (_connector.Name, _connector.Workers).ShouldBe(("foreign", 2));

    [Fact]
    public async Task A_claimed_batch_becomes_one_file_with_the_sender_and_only_that_batchs_recipients()
    {
        var id = await QueueAsync("sender@example.test", ("u1@post.test", "foreign"), ("u2@post.test", "foreign"), ("friend@elsewhere.test", "smtp"));
        var batch = (await _queue.ClaimAsync("foreign", $"{Node}/foreign/0", 10, TimeSpan.FromMinutes(5))).ShouldHaveSingleItem();

        var outcomes = await _connector.AttemptAsync(batch, CancellationToken.None);

        var name = $"{id}-post.test.eml";
        outcomes.Select(o => (o.Item.Recipient, o.Kind, o.Reply)).ShouldBe(
        [
            ("u1@post.test", DeliveryOutcomeKind.Delivered, $"250 2.0.0 written to {name}"),
            ("u2@post.test", DeliveryOutcomeKind.Delivered, $"250 2.0.0 written to {name}"),
        ]);
        System.IO.Directory.EnumerateFiles(Drop).Select(Path.GetFileName).ShouldBe([name]);
        var (sender, recipients, body) = ReadDropped(Path.Combine(Drop, name));
        sender.ShouldBe("sender@example.test");
        recipients.ShouldBe(["u1@post.test", "u2@post.test"], "the recipient of the smtp connector is not the gateway's");
        body.ShouldBe(Message("sender@example.test"));
        var shown = (await _queue.ShowAsync(id)).ShouldNotBeNull();
        shown.Recipients.Where(r => r.Connector == "foreign").Select(r => r.State).ShouldAllBe(s => s == QueueItemState.Delivered);
        shown.Recipients.Single(r => r.Connector == "smtp").State.ShouldBe(QueueItemState.Ready);
    }

    [Fact]
    public async Task A_retry_after_a_lost_outcome_rewrites_the_same_file_instead_of_adding_one()
    {
        var id = await QueueAsync("sender@example.test", ("u1@post.test", "foreign"));
        var first = (await _queue.ClaimAsync("foreign", $"{Node}/foreign/0", 10, TimeSpan.FromMinutes(5))).ShouldHaveSingleItem();
        // The node crashes after writing the file and before recording: at its restart its claims
        // are released (TransportService), so the attempt that wrote the file cannot record.
        (await _queue.ReleaseClaimsAsync(Node)).ShouldBe(1);
        (await _connector.AttemptAsync(first, CancellationToken.None)).ShouldBeEmpty("the first attempt's outcome is refused: its claim is gone");
        File.Exists(Path.Combine(Drop, $"{id}-post.test.eml")).ShouldBeTrue("yet its file was written");

        var retry = (await _queue.ClaimAsync("foreign", $"{Node}/foreign/1", 10, TimeSpan.FromMinutes(5))).ShouldHaveSingleItem();
        retry.Items.ShouldHaveSingleItem().Attempts.ShouldBe(2);
        (await _connector.AttemptAsync(retry, CancellationToken.None)).ShouldHaveSingleItem().Kind.ShouldBe(DeliveryOutcomeKind.Delivered);

        System.IO.Directory.EnumerateFiles(Drop).Select(Path.GetFileName).ShouldBe([$"{id}-post.test.eml"], "one file, rewritten: the foreign system reads the message once");
        System.IO.Directory.EnumerateFiles(Path.Combine(Drop, ".tmp")).ShouldBeEmpty();
        ReadDropped(Path.Combine(Drop, $"{id}-post.test.eml")).Recipients.ShouldBe(["u1@post.test"]);
        (await _queue.ShowAsync(id)).ShouldBeNull("delivered: the message left the queue");
    }

    [Fact]
    public async Task A_message_to_two_of_the_gateways_domains_is_two_files_each_with_its_own_recipients()
    {
        var id = await QueueAsync("<>", ("a@one.test", "foreign"), ("b@two.test", "foreign"), ("c@one.test", "foreign"));
        var batches = await _queue.ClaimAsync("foreign", $"{Node}/foreign/0", 10, TimeSpan.FromMinutes(5));
        batches.Count.ShouldBe(2, "claims group by recipient domain");

        foreach (var batch in batches)
        {
            (await _connector.AttemptAsync(batch, CancellationToken.None)).ShouldAllBe(o => o.Kind == DeliveryOutcomeKind.Delivered);
        }

        System.IO.Directory.EnumerateFiles(Drop).Select(Path.GetFileName).Order(StringComparer.Ordinal).ShouldBe([$"{id}-one.test.eml", $"{id}-two.test.eml"]);
        var one = ReadDropped(Path.Combine(Drop, $"{id}-one.test.eml"));
        var two = ReadDropped(Path.Combine(Drop, $"{id}-two.test.eml"));
        (one.Sender, two.Sender).ShouldBe(("", ""), "a DSN's null reverse-path is X-Sender: <>");
        one.Recipients.ShouldBe(["a@one.test", "c@one.test"]);
        two.Recipients.ShouldBe(["b@two.test"]);
        one.Body.ShouldBe(two.Body);
    }

    [Fact]
    public async Task A_drop_folder_that_cannot_be_written_defers_with_the_reason_and_the_retry_writes_the_file()
    {
        var id = await QueueAsync("sender@example.test", ("u1@post.test", "foreign"), ("u2@post.test", "foreign"));
        System.IO.Directory.Delete(Drop, recursive: true); // an unmounted share, say
        var batch = (await _queue.ClaimAsync("foreign", $"{Node}/foreign/0", 10, TimeSpan.FromMinutes(5))).ShouldHaveSingleItem();

        var before = DateTimeOffset.UtcNow;
        var outcomes = await _connector.AttemptAsync(batch, CancellationToken.None);

        outcomes.Count.ShouldBe(2);
        outcomes.ShouldAllBe(o => o.Kind == DeliveryOutcomeKind.Deferred);
        outcomes[0].Reply.ShouldStartWith("451 4.3.0 gateway foreign: the drop folder cannot be written: ");
        outcomes[0].Reply.ShouldContain(Drop, customMessage: "the reason names what failed");
        outcomes[0].RetryAt.ShouldNotBeNull().ShouldBeGreaterThan(before + TimeSpan.FromMinutes(4), "on the retry schedule (300 s, jitter 10 %)");
        System.IO.Directory.Exists(Drop).ShouldBeFalse("the folder itself is not recreated under a missing mount");
        var shown = (await _queue.ShowAsync(id)).ShouldNotBeNull();
        shown.Recipients.ShouldAllBe(r => r.State == QueueItemState.Deferred && r.LastReply!.StartsWith("451 4.3.0", StringComparison.Ordinal));

        System.IO.Directory.CreateDirectory(Drop);
        (await _queue.RetryAsync(QueueFilter.ForMessage(id))).ShouldBe(2);
        var retry = (await _queue.ClaimAsync("foreign", $"{Node}/foreign/0", 10, TimeSpan.FromMinutes(5))).ShouldHaveSingleItem();
        (await _connector.AttemptAsync(retry, CancellationToken.None)).ShouldAllBe(o => o.Kind == DeliveryOutcomeKind.Delivered);
        ReadDropped(Path.Combine(Drop, $"{id}-post.test.eml")).Recipients.ShouldBe(["u1@post.test", "u2@post.test"]);
    }

    [Theory]
    [InlineData(7, "post.test", "7-post.test.eml")]
    [InlineData(7, "Post.TEST", "7-post.test.eml")]
    [InlineData(12, "[192.0.2.1]", "12-%5B192.0.2.1%5D.eml")]
    [InlineData(12, "b\u00fccher.test", "12-b%C3%BCcher.test.eml")]
    [InlineData(3, "../etc/x%", "3-..%2Fetc%2Fx%25.eml")]
    public void File_names_are_the_queue_id_and_the_domain_with_nothing_a_path_could_use(long id, string domain, string expected) =>
        GatewayDrop.FileNameOf(id, domain).ShouldBe(expected);

    /// <summary>Queues a message and routes each recipient to the connector given, as the categorizer does.</summary>
    private async Task<long> QueueAsync(string sender, params (string Recipient, string Connector)[] recipients)
    {
        var mailFrom = sender == "<>" ? "" : sender;
        await using var writer = _acceptor.BeginMessage();
        await writer.WriteAsync(Message(mailFrom), CancellationToken.None);
        var id = await _acceptor.CommitAsync(writer, new Envelope(mailFrom, recipients.Select(r => new QueuedRecipient(r.Recipient)).ToList(), "test"), CancellationToken.None);
        var found = (await _queue.FindNewAsync(0, 1, 10)).Single(m => m.Id == id);
        (await _queue.RouteAsync([(found, recipients.Select(r => new Route(r.Recipient, r.Recipient, r.Connector)).ToList())])).ShouldBe(1);
        return id;
    }

    private static byte[] Message(string sender) =>
        Encoding.ASCII.GetBytes($"From: <{sender}>\r\nSubject: to the foreign system\r\n\r\nfirst line\r\n.\r\nlast line\r\n");

    private static (string Sender, IReadOnlyList<string> Recipients, byte[] Body) ReadDropped(string path)
    {
        var bytes = File.ReadAllBytes(path);
        GatewayEnvelope.TryRead(bytes, out var envelope, out var length, out var error).ShouldBeTrue(error);
        return (envelope.Sender, envelope.Recipients, bytes[length..]);
    }
}
