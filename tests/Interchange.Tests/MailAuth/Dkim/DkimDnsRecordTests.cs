using Interchange.MailAuth.Dkim;
using Shouldly;
using Xunit;

namespace Interchange.Tests.MailAuth.Dkim;

public sealed class DkimDnsRecordTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(255, 1)]
    [InlineData(256, 2)]
    [InlineData(510, 2)]
    [InlineData(511, 3)]
    public void Split_StringsOfAtMost255Octets_JoinedGiveTheValueBack(int length, int strings)
    {
        var value = new string('A', length);
        var parts = DkimDnsRecord.Split(value);
        parts.Count.ShouldBe(strings);
        parts.ShouldAllBe(p => p.Length <= 255);
        string.Concat(parts).ShouldBe(value);
    }

    [Fact]
    public void Rsa2048Record_TwoStrings_ZoneLineQuotesEach()
    {
        var key = new string('B', 392); // a 2048-bit SubjectPublicKeyInfo in base64
        var record = new DkimDnsRecord("example.test", "s202612", DkimKeyAlgorithm.Rsa, key);

        record.Name.ShouldBe("s202612._domainkey.example.test");
        record.Value.ShouldBe("v=DKIM1; k=rsa; p=" + key);
        record.Strings.Count.ShouldBe(2);
        record.ZoneLine.ShouldBe($"s202612._domainkey.example.test. IN TXT \"{record.Value[..255]}\" \"{record.Value[255..]}\"");
    }

    [Fact]
    public void Ed25519Record_SaysItsKeyType() =>
        new DkimDnsRecord("example.test", "e1", DkimKeyAlgorithm.Ed25519, "abc=").Value.ShouldBe("v=DKIM1; k=ed25519; p=abc=");

    [Fact]
    public void NonAscii_Refused() => Should.Throw<ArgumentException>(() => DkimDnsRecord.Split("p=é"));
}
