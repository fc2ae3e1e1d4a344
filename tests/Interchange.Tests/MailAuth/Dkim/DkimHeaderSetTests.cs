using Interchange.MailAuth.Dkim;
using MimeKit;
using Shouldly;
using Xunit;

namespace Interchange.Tests.MailAuth.Dkim;

public sealed class DkimHeaderSetTests
{
    private static MimeMessage Headers(string text)
    {
        using var stream = new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text + "\r\nbody\r\n"));
        return MimeMessage.Load(stream);
    }

    [Fact]
    public void PresentFieldsOnly_EachAsOftenAsPresent_FromOnceMore()
    {
        var headers = Headers("Received: x\r\nFrom: a@example.test\r\nTo: b@x.test\r\nTo: c@x.test\r\nSubject: s\r\nDate: Wed, 2 Dec 2026 04:00:00 +0000\r\nList-Id: <l.x.test>\r\nX-Other: y\r\nContent-Type: text/plain\r\n");

        DkimHeaderSet.For(headers).ShouldBe(["from", "from", "subject", "date", "to", "to", "content-type", "list-id"]);
    }

    [Fact]
    public void FromMissingFromTheConfiguredList_IsStillSigned_AndNeverTheTraceOrSignatureFields()
    {
        var headers = Headers("From: a@example.test\r\nSubject: s\r\nReceived: x\r\nDKIM-Signature: v=1\r\nBcc: z@x.test\r\n");

        DkimHeaderSet.For(headers, ["Subject", "Received", "DKIM-Signature", "Bcc", "subject"]).ShouldBe(["from", "subject"]);
    }

    [Fact]
    public void RecommendedList_HasRfc6376s541Fields()
    {
        foreach (var name in new[] { "From", "Reply-To", "Subject", "Date", "To", "Cc", "Resent-Date", "Resent-From", "Resent-To", "Resent-Cc", "In-Reply-To", "References", "List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner", "List-Archive", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding" })
        {
            DkimHeaderSet.Recommended.ShouldContain(name);
        }
    }
}
