using System.Text;
using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Mail;
using Interchange.Storage.Queue;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Shouldly;

namespace Interchange.Tests.Storage.Queue;

/// <summary>Mail queued before deliveries named their connector is delivered after the upgrade.</summary>
public sealed class SqliteQueueMigrationTests : IDisposable
{
    /// <summary>The last schema version whose deliveries had a local/remote kind instead of a connector.</summary>
    private const int KindSchema = 6;

    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("store.db");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Deliveries_waiting_under_the_old_kind_column_keep_their_state_under_a_connector()
    {
        await using (var old = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath, MigrateToVersion = KindSchema }))
        {
            (await old.SchemaVersionAsync()).ShouldBe(KindSchema);
        }

        var content = Encoding.ASCII.GetBytes("Subject: queued before the upgrade\r\n\r\nhi\r\n");
        var blob = new BlobRef(BlobId.Of(content), content.Length);
        using (var raw = OpenRaw())
        {
            raw.Execute("""
                INSERT INTO queue_messages(id, blob, size, mail_from, received_at, client, state, owner, lease_until, fence)
                VALUES (7, @blob, @size, 'sender@remote.test', 1700000000000, 'old [127.0.0.1]', 'routed', 'node:1', 1700000000000, 3)
                """, new { blob = blob.Id.Hex, size = blob.Length });
            raw.Execute("""
                INSERT INTO deliveries(id, message_id, recipient, original, kind, state, fence, attempts, last_error) VALUES
                    (11, 7, 'alice@example.test', 'alice@example.test', 'local', 'pending', 2, 1, '4.3.0 was busy'),
                    (12, 7, 'friend@elsewhere.test', 'friend@elsewhere.test', 'remote', 'pending', 0, 0, NULL),
                    (13, 7, 'nobody@example.test', 'nobody@example.test', 'local', 'failed', 0, 0, '5.1.1 no such user here')
                """);
        }

        await using var upgraded = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath });
        var queue = new SqliteQueueStore(upgraded);
        var mail = new SqliteMailStore(upgraded);
        var stats = await queue.StatisticsAsync();
        (stats.RoutedMessages, stats.Pending("local"), stats.Pending("smtp"), stats.FailedDeliveries).ShouldBe((1, 1, 1, 1));

        var local = (await queue.FindPendingAsync("local", 0, 1, 10)).ShouldHaveSingleItem();
        (local.Id, local.MessageId, local.Fence, local.Attempts, local.Blob).ShouldBe((11L, 7L, 2L, 2, blob));
        (await queue.FindPendingAsync("smtp", 0, 1, 10)).ShouldHaveSingleItem().Recipient.ShouldBe("friend@elsewhere.test");
        var directory = new SqliteDirectoryStore(upgraded);
        await directory.AddDomainAsync("example.test");
        await directory.AddUserAsync("alice@example.test", "alice@example.test", "example.test", null);
        (await mail.DeliverAsync([new MailboxDelivery(local, [])])).Delivered.ShouldBe([11L]);
        (await mail.ListMessagesAsync("alice@example.test", "INBOX")).ShouldHaveSingleItem().Blob.ShouldBe(blob.Id);

        // Rows added after the upgrade continue the id sequence.
        var next = await queue.EnqueueAsync(blob, new Envelope("a@b.test", [new QueuedRecipient("alice@example.test")], "c"), DateTimeOffset.UtcNow);
        next.ShouldBeGreaterThan(7);
        await queue.RouteAsync([((await queue.FindNewAsync(0, 1, 10)).Single(), [new Route("alice@example.test", "alice@example.test", "local")])]);
        (await queue.FindPendingAsync("local", 0, 1, 10)).ShouldHaveSingleItem().Id.ShouldBeGreaterThan(13);
    }

    [Fact]
    public async Task Remote_deliveries_queued_before_claims_are_claimed_by_domain_after_the_upgrade()
    {
        const int BeforeClaims = 11;
        await using (var old = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath, MigrateToVersion = BeforeClaims }))
        {
            (await old.SchemaVersionAsync()).ShouldBe(BeforeClaims);
        }

        var content = Encoding.ASCII.GetBytes("Subject: waiting for the SMTP connector\r\n\r\nhi\r\n");
        var blob = new BlobRef(BlobId.Of(content), content.Length);
        using (var raw = OpenRaw())
        {
            raw.Execute("""
                INSERT INTO queue_messages(id, blob, size, mail_from, received_at, client, state)
                VALUES (5, @blob, @size, 'sender@example.test', 1700000000000, 'old [127.0.0.1]', 'routed')
                """, new { blob = blob.Id.Hex, size = blob.Length });
            raw.Execute("""
                INSERT INTO queue_recipients(message_id, position, address) VALUES (5, 0, '"a@b"@Far.Test'), (5, 1, 'c@far.test'), (5, 2, 'd@near.test');
                INSERT INTO deliveries(id, message_id, recipient, original, connector, state, attempts, last_error) VALUES
                    (21, 5, '"a@b"@Far.Test', '"a@b"@Far.Test', 'smtp', 'pending', 2, '451 try later'),
                    (22, 5, 'c@far.test', 'c@far.test', 'smtp', 'pending', 0, NULL),
                    (23, 5, 'd@near.test', 'd@near.test', 'smtp', 'pending', 0, NULL)
                """);
        }

        await using var upgraded = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath });
        var queue = new SqliteQueueStore(upgraded);
        var far = (await queue.ClaimAsync("smtp", "node/1", 10, TimeSpan.FromMinutes(1), domain: "far.test")).ShouldHaveSingleItem();
        far.Domain.ShouldBe("far.test", "the domain after the last '@', lower case");
        far.Items.Select(i => (i.Id, i.Attempts)).ShouldBe([(21L, 3), (22L, 1)]);
        (await queue.ShowAsync(5))!.Recipients.Single(r => r.DeliveryId == 23).State.ShouldBe(QueueItemState.Ready);
    }

    [Fact]
    public async Task Failures_queued_before_the_bounce_step_are_reported_like_new_ones()
    {
        const int BeforeBounces = 14;
        await using (var old = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath, MigrateToVersion = BeforeBounces }))
        {
            (await old.SchemaVersionAsync()).ShouldBe(BeforeBounces);
        }

        using (var raw = OpenRaw())
        {
            raw.Execute("""
                INSERT INTO queue_messages(id, blob, size, mail_from, received_at, client, state)
                VALUES (9, @blob, 10, 'sender@example.test', 1700000000000, 'old [127.0.0.1]', 'routed');
                INSERT INTO queue_recipients(message_id, position, address, notify) VALUES (9, 0, 'gone@far.test', 'FAILURE');
                INSERT INTO deliveries(id, message_id, recipient, original, connector, state, fence, attempts, last_error, domain) VALUES
                    (31, 9, 'gone@far.test', 'gone@far.test', 'smtp', 'failed', 4, 3, '550 5.1.1 no such user', 'far.test')
                """, new { blob = BlobId.Of("x"u8).Hex });
        }

        await using var upgraded = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = DatabasePath });
        var queue = new SqliteQueueStore(upgraded);
        var found = (await queue.FindUnreportedAsync(10)).ShouldHaveSingleItem("waiting since before the upgrade: bounced like new mail");
        var failure = found.Failures.ShouldHaveSingleItem();
        (failure.Id, failure.Fence, failure.LastReply, failure.Notify, failure.RemoteMta).ShouldBe((31L, 4L, "550 5.1.1 no such user", "FAILURE", null));
        (await queue.ReportAsync(found, null, null)).OriginalRemoved.ShouldBeTrue();
        (await queue.ShowAsync(9)).ShouldBeNull();
    }

    private SqliteConnection OpenRaw()
    {
        SQLitePCL.Batteries_V2.Init();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
