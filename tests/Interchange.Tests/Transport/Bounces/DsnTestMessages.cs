using System.Text;
using Interchange.Storage.Content;
using Interchange.Storage.Queue;
using Interchange.Transport.Bounces;

namespace Interchange.Tests.Transport.Bounces;

/// <summary>Originals and requests shared by the DSN tests.</summary>
internal static class DsnTestMessages
{
    public static readonly DateTimeOffset Arrival = new(2026, 11, 30, 8, 15, 0, TimeSpan.Zero);

    public static byte[] Original(string body = "Hello Bob,\r\nsee you at noon.\r\n", string subject = "Lunch") =>
        Encoding.UTF8.GetBytes(
            "Received: from client.example.org ([192.0.2.7]) by mail.example.com; Mon, 30 Nov 2026 08:15:00 +0000\r\n"
            + "From: Alice <alice@example.com>\r\n"
            + "To: bob@remote.test, carol@remote.test\r\n"
            + $"Subject: {subject}\r\n"
            + "Message-ID: <orig-1@example.com>\r\n"
            + "Date: Mon, 30 Nov 2026 08:14:59 +0000\r\n"
            + "\r\n"
            + body);

    public static Envelope Envelope(string sender = "alice@example.com", string? ret = null, string? envelopeId = null) =>
        new(sender, [new QueuedRecipient("bob@remote.test"), new QueuedRecipient("carol@remote.test")], "client.example.org [192.0.2.7]", EnvelopeId: envelopeId, Return: ret);

    public static DsnRecipient Failed(string address, string reply = "550 5.1.1 <bob@remote.test>: Recipient address rejected: User unknown", string? notify = null, string? orcpt = null) =>
        new(address, DsnAction.Failed)
        {
            Notify = notify,
            OriginalRecipient = orcpt,
            Status = reply.Length > 8 ? reply[4..9] : null,
            RemoteMta = "mx.remote.test",
            RemoteReply = reply,
            LastAttempt = Arrival.AddMinutes(1),
        };

    public static DsnRequest Request(Envelope envelope, byte[] original, params DsnRecipient[] recipients) =>
        new(envelope, Arrival, new BytesContent(original), recipients);
}
