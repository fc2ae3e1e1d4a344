using System.Text;
using Interchange.Smtp.Filters;
using Shouldly;

namespace Interchange.Tests.Smtp.Filters;

public sealed class SmtpFilterMessageTests
{
    private const string Message =
        "Received: from a\r\n\tby b; Tue, 1 Dec 2026 10:00:00 +0000\r\n" +
        "From: Alice <alice@example.org>\r\n" +
        "Subject:  two  spaces\r\n" +
        "X-Eight: caf\u00e9\r\n" +
        "Authentication-Results: mx.example.net; spf=pass\r\n" +
        "\r\n" +
        "Body line 1\r\nBody line 2\r\n";

    private static Task<SmtpFilterMessage> ReadAsync(string text, params string[] recipients)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return SmtpFilterMessage.ReadAsync(() => new MemoryStream(bytes, writable: false), "alice@example.org", recipients.Length == 0 ? ["bob@example.net"] : recipients, CancellationToken.None);
    }

    private static string Text(Stream stream)
    {
        using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
    }

    [Fact]
    public async Task Fields_are_split_with_their_folding_and_an_unchanged_message_reads_back_byte_for_byte()
    {
        var message = await ReadAsync(Message);

        message.Headers.Select(h => h.Name).ShouldBe(["Received", "From", "Subject", "X-Eight", "Authentication-Results"]);
        message.Headers[0].Value.ShouldBe(" from a\r\n\tby b; Tue, 1 Dec 2026 10:00:00 +0000");
        message.Headers[2].Value.ShouldBe("  two  spaces");
        message.Headers[3].Value.ShouldBe(" caf\u00e9");
        Text(message.OpenRead()).ShouldBe(Message);
        Text(message.OpenBody()).ShouldBe("Body line 1\r\nBody line 2\r\n");
        message.ContentChanged.ShouldBeFalse();
    }

    [Fact]
    public async Task Edits_insert_change_and_delete_fields_and_keep_the_body()
    {
        var message = await ReadAsync(Message);

        message.InsertHeader(1, SmtpFilterHeader.Create("Authentication-Results", "mx.example.org; dkim=pass"));
        message.ChangeHeader("Subject", 1, Encoding.UTF8.GetBytes(" new"));
        message.ChangeHeader("authentication-results", 2, ReadOnlyMemory<byte>.Empty); // the second one: the original
        message.AddHeader(SmtpFilterHeader.Create("X-Spam-Score", "1.5"));
        message.ChangeHeader("X-Missing", 1, Encoding.UTF8.GetBytes(" added"));

        message.ContentChanged.ShouldBeTrue();
        Text(message.OpenRead()).ShouldBe(
            "Received: from a\r\n\tby b; Tue, 1 Dec 2026 10:00:00 +0000\r\n" +
            "Authentication-Results: mx.example.org; dkim=pass\r\n" +
            "From: Alice <alice@example.org>\r\n" +
            "Subject: new\r\n" +
            "X-Eight: caf\u00e9\r\n" +
            "X-Spam-Score: 1.5\r\n" +
            "X-Missing: added\r\n" +
            "\r\n" +
            "Body line 1\r\nBody line 2\r\n");
    }

    [Fact]
    public async Task The_body_can_be_replaced_and_the_whole_stream_seeks()
    {
        var message = await ReadAsync(Message);
        message.ReplaceBody(Encoding.ASCII.GetBytes("Replaced\r\n"));

        using var stream = message.OpenRead();
        stream.CanSeek.ShouldBeTrue();
        var all = Text(message.OpenRead());
        all.ShouldEndWith("\r\n\r\nReplaced\r\n");
        stream.Length.ShouldBe(Encoding.UTF8.GetByteCount(all));
        stream.Seek(-10, SeekOrigin.End);
        new StreamReader(stream).ReadToEnd().ShouldBe("Replaced\r\n");
    }

    [Theory]
    [InlineData("Subject: no body", 1, "")]
    [InlineData("Subject: x\r\n", 1, "")]
    [InlineData("Subject: x\r\nnot a field\r\nmore\r\n", 1, "not a field\r\nmore\r\n")]
    [InlineData("\r\nonly body\r\n", 0, "only body\r\n")]
    [InlineData("", 0, "")]
    public async Task Odd_header_sections_split_where_RFC_5322_says_the_body_starts(string text, int fields, string body)
    {
        var message = await ReadAsync(text);

        message.Headers.Count.ShouldBe(fields);
        Text(message.OpenBody()).ShouldBe(body);
    }

    [Fact]
    public async Task Envelope_changes_are_kept_apart_from_content_changes()
    {
        var message = await ReadAsync(Message, "bob@example.net", "carol@example.net");

        message.RemoveRecipient("BOB@example.net");
        message.AddRecipient("dave@example.net");
        message.AddRecipient("dave@example.net");
        message.ChangeSender("bounces@example.org");

        message.Recipients.ShouldBe(["carol@example.net", "dave@example.net"]);
        message.Sender.ShouldBe("bounces@example.org");
        message.EnvelopeChanged.ShouldBeTrue();
        message.ContentChanged.ShouldBeFalse();
    }
}
