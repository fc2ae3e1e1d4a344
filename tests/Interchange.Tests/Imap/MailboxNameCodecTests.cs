using Interchange.Imap.Protocol;
using Shouldly;

namespace Interchange.Tests.Imap;

public sealed class MailboxNameCodecTests
{
    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("", "")]
    [InlineData("Tom & Jerry", "Tom &- Jerry")]
    [InlineData("&", "&-")]
    [InlineData("~peter/mail/\u53F0\u5317/\u65E5\u672C\u8A9E", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")]    // RFC 3501 §5.1.3
    [InlineData("Entw\u00FCrfe", "Entw&APw-rfe")]
    [InlineData("\u00E9\u00E9", "&AOkA6Q-")]
    [InlineData("caf\u00E9 & cr\u00E8me", "caf&AOk- &- cr&AOg-me")]
    [InlineData("\U0001F600", "&2D3eAA-")]                                       // astral: one surrogate pair
    [InlineData("a\U0001F4E7b\U0001F600", "a&2D3c5w-b&2D3eAA-")]
    [InlineData("tab\there", "tab&AAk-here")]                                    // control characters are not printable ASCII
    public void EncodesAndDecodes(string name, string encoded)
    {
        MailboxNameCodec.Encode(name).ShouldBe(encoded);
        MailboxNameCodec.TryDecode(encoded, out var decoded, out var error).ShouldBeTrue(error);
        decoded.ShouldBe(name);
    }

    [Theory]
    [InlineData("&")]               // unterminated
    [InlineData("a&AOk")]           // unterminated
    [InlineData("&AGE-")]           // "a" encoded: printable ASCII must stand for itself
    [InlineData("&ACY-")]           // "&" encoded instead of "&-"
    [InlineData("&AOk-&AOk-")]      // two adjacent runs: one canonical form is "&AOkA6Q-"
    [InlineData("&AO-")]            // 12 bits: not a whole UTF-16 unit
    [InlineData("&AOl-")]           // non-zero padding bits
    [InlineData("&AOk=-")]          // base64 padding
    [InlineData("&U/BTFw-")]        // "/" instead of ","
    [InlineData("&2D0-")]           // lone high surrogate
    [InlineData("&3gA-")]           // lone low surrogate
    [InlineData("&2D3YPQ-")]        // high surrogate followed by high surrogate
    [InlineData("&A!k-")]           // not base64
    [InlineData("caf\u00E9")]       // 8-bit is not modified UTF-7
    [InlineData("a\tb")]            // nor are control characters
    public void RefusesNonCanonicalOrInvalidForms(string encoded)
    {
        MailboxNameCodec.TryDecode(encoded, out _, out var error).ShouldBeFalse();
        error.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public void RoundTrips_ArbitraryNames()
    {
        var random = new Random(3501);
        var alphabet = "aZ &-/.~\u00E9\u00FC\u03A9\u65E5\u0000\u007F\uFFFD".ToCharArray();
        for (var n = 0; n < 2000; n++)
        {
            var chars = new List<char>();
            var length = random.Next(0, 12);
            for (var k = 0; k < length; k++)
            {
                if (random.Next(5) == 0)
                {
                    chars.AddRange(char.ConvertFromUtf32(random.Next(0x10000, 0x10FFFF)));
                }
                else
                {
                    chars.Add(alphabet[random.Next(alphabet.Length)]);
                }
            }

            var name = new string([.. chars]);
            var encoded = MailboxNameCodec.Encode(name);
            encoded.ShouldAllBe(c => c >= ' ' && c <= '~');
            MailboxNameCodec.TryDecode(encoded, out var decoded, out var error).ShouldBeTrue($"{encoded}: {error}");
            decoded.ShouldBe(name);
        }
    }

    [Fact]
    public void Encode_RefusesLoneSurrogates() =>
        Should.Throw<ArgumentException>(() => MailboxNameCodec.Encode("x\uD83D"));
}
