using Dapper;
using Interchange.Storage.Blobs;
using Interchange.Storage.Changes;
using Interchange.Storage.Content;
using Interchange.Storage.Mail;
using Interchange.Storage.Sqlite;
using Interchange.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Shouldly;

namespace Interchange.Tests.Storage.Mail;

/// <summary>APPEND keeps a small message inline and its parsed structure in the appending transaction, as SMTP's accept does.</summary>
public sealed class AppendContentTests : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();
    private FileBlobStore _files = null!;
    private SqliteStoreBackend _backend = null!;

    public async Task InitializeAsync()
    {
        _files = new FileBlobStore(_folder.File("blobs"));
        _backend = await SqliteStoreBackend.OpenAsync(new SqliteOptions { Path = _folder.File("store.db") }, _files, new MailboxEvents(new InProcessChangeFeed()));
        await _backend.Mail.EnsureDefaultMailboxesAsync("alice@example.test");
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task A_small_append_is_one_transaction_with_its_inline_content_and_structure_and_reads_back()
    {
        var bytes = "Subject: appended\r\n\r\nsmall\r\n"u8.ToArray();
        var staged = await StageAsync(bytes);
        staged.Inline.ShouldNotBeNull();

        var appended = await _backend.Mail.AppendAsync("alice@example.test", "INBOX", staged, [], DateTimeOffset.UtcNow, Structure(staged));

        _files.Enumerate().ShouldBeEmpty("no file for a small message");
        (await CountAsync("SELECT count(*) FROM message_contents"), await CountAsync("SELECT count(*) FROM message_structures")).ShouldBe((1, 1));
        (await _backend.Mail.GetStructureAsync(staged.Ref.Id))!.MessageId.ShouldBe("<a@b>");
        var message = (await _backend.Mail.GetMessageAsync("alice@example.test", "INBOX", appended.Uid))!;
        using var content = _backend.Contents.Open(message);
        var read = new byte[content.Length];
        (await content.ReadAsync(0, read)).ShouldBe(bytes.Length);
        read.ShouldBe(bytes);
    }

    [Fact]
    public async Task An_append_to_a_missing_mailbox_keeps_neither_content_nor_structure()
    {
        var staged = await StageAsync("Subject: nowhere\r\n\r\nx\r\n"u8.ToArray());

        await Should.ThrowAsync<MailStoreException>(() => _backend.Mail.AppendAsync("alice@example.test", "Nowhere", staged, [], DateTimeOffset.UtcNow, Structure(staged)));

        (await CountAsync("SELECT count(*) FROM message_contents"), await CountAsync("SELECT count(*) FROM message_structures")).ShouldBe((0, 0));
    }

    private static StoredStructure Structure(StagedContent staged) => new(staged.Ref.Id, "<a@b>", 0, [9]);

    private async Task<StagedContent> StageAsync(byte[] bytes)
    {
        await using var writer = new SpillingContentWriter(_files, SpillingContentWriter.DefaultInlineLimit);
        await writer.WriteAsync(bytes);
        return await writer.StageAsync();
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_folder.File("store.db")}");
        await connection.OpenAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
