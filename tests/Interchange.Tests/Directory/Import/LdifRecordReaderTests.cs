using System.Text;
using Interchange.Directory.Import;
using Shouldly;

namespace Interchange.Tests.Directory.Import;

public sealed class LdifRecordReaderTests
{
    private static readonly HashSet<string> s_all = ["objectclass", "cn", "sn", "mail", "description", "telephonenumber", "ou", "givenname", "title", "uid"];

    private static async Task<List<LdifRecord>> Read(string text, int max = 1 << 20)
    {
        var records = new List<LdifRecord>();
        await foreach (var record in new LdifRecordReader(new StringReader(text), s_all, max).ReadAsync())
        {
            records.Add(record);
        }

        return records;
    }

    [Fact]
    public async Task Rfc2849_example_1_two_entries_and_a_folded_value()
    {
        var records = await Read("""
            version: 1
            dn: cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com
            objectclass: top
            objectclass: person
            objectclass: organizationalPerson
            cn: Barbara Jensen
            cn: Barbara J Jensen
            cn: Babs Jensen
            sn: Jensen
            uid: bjensen
            telephonenumber: +1 408 555 1212
            description: A big sailing fan.

            dn: cn=Bjorn Jensen, ou=Accounting, dc=airius, dc=com
            objectclass: top
            objectclass: person
            objectclass: organizationalPerson
            cn: Bjorn Jensen
            sn: Jensen
            telephonenumber: +1 408 555 1212
            """.Replace("\r\n", "\n"));

        records.Count.ShouldBe(2);
        records[0].Dn.ShouldBe("cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com");
        records[0].Values("cn").ShouldBe(["Barbara Jensen", "Barbara J Jensen", "Babs Jensen"]);
        records[0].Line.ShouldBe(2);
        records[1].First("cn").ShouldBe("Bjorn Jensen");
        records[1].Line.ShouldBe(14);
    }

    [Fact]
    public async Task Rfc2849_example_2_folding_and_example_3_base64_values()
    {
        var records = await Read(
            "version: 1\n" +
            "dn:cn=Barbara Jensen, ou=Product Development, dc=airius, dc=com\n" +
            "description:Babs is a big sailing fan, and travels extensively in sea\n rch of perfect sailing conditions.\n" +
            "title:Product Manager, Rod and Reel Division\n\n" +
            "dn: cn=Gern Jensen, ou=Product Testing, dc=airius, dc=com\n" +
            "description:: V2hhdCBhIGNhcmVmdWwgcmVhZGVyIHlvdSBhcmUhICBUaGlzIHZhbHVlIGlzIGJhc2UtNjQtZW5jb2RlZCBiZWNhdXNlIGl0IGhhcyBhIGNvbnRyb2wgY2hhcmFjdGVyIGluIGl0IChhIENSKS4NICBCeSB0aGUgd2F5LCB5b3Ugc2hvdWxkIHJlYWxseSBnZXQgb3V0IG1vcmUu\n" +
            "# a comment\n#  folded\n  comment\n" +
            "title: tester\n");

        records.Count.ShouldBe(2);
        records[0].First("description").ShouldBe("Babs is a big sailing fan, and travels extensively in search of perfect sailing conditions.");
        records[0].First("title").ShouldBe("Product Manager, Rod and Reel Division");
        records[1].First("description").ShouldStartWith("What a careful reader you are!");
        records[1].First("description").ShouldNotBeNull().ShouldContain("\r");
        records[1].First("title").ShouldBe("tester");
    }

    [Fact]
    public async Task Rfc2849_example_4_utf8_names_in_base64_and_attribute_options()
    {
        var dn = Convert.ToBase64String(Encoding.UTF8.GetBytes("ou=営業部,o=Airius"));
        var records = await Read($"dn:: {dn}\nobjectclass: top\nou;lang-ja:: {Convert.ToBase64String(Encoding.UTF8.GetBytes("営業部"))}\nou;lang-en: Sales\n");

        records[0].Dn.ShouldBe("ou=営業部,o=Airius");
        records[0].Values("ou").ShouldBe(["営業部", "Sales"]);
    }

    [Theory]
    [InlineData("dn: cn=x\njpegphoto:< file:///etc/passwd\ncn: x\n", "':<'")]
    [InlineData("dn: cn=x\ncn:< file:///etc/passwd\n", "':<'")]
    [InlineData("dn: cn=x\nchangetype: modify\nreplace: cn\ncn: y\n-\n", "change records")]
    [InlineData("dn: cn=x\ncn:: AGE=\n", "NUL")]
    [InlineData("dn: cn=x\ncn:: ***\n", "base64")]
    [InlineData("dn: cn=x\ncn:: //79\n", "UTF-8")]
    [InlineData("cn: x\ndn: cn=x\n", "must start with 'dn:'")]
    [InlineData("dn: cn=x\nno colon here\n", "attribute: value")]
    public async Task A_refused_record_is_reported_and_the_next_one_is_read(string bad, string error)
    {
        var records = await Read(bad + "\ndn: cn=next\ncn: next\n");

        records.Count.ShouldBe(2);
        records[0].Error.ShouldNotBeNull().ShouldContain(error);
        records[0].Line.ShouldBe(1);
        records[1].Error.ShouldBeNull();
        records[1].First("cn").ShouldBe("next");
    }

    [Fact]
    public async Task An_unsupported_version_stops_the_file()
    {
        await Should.ThrowAsync<InvalidDataException>(() => Read("version: 2\ndn: cn=x\n"));
    }

    [Fact]
    public async Task Huge_folded_base64_is_refused_without_being_kept_in_memory()
    {
        // 64 MiB of base64 folded into 76-character lines: over the limit, dropped as it streams past.
        var before = GC.GetAllocatedBytesForCurrentThread();
        using var input = new GeneratedFolds(Encoding.ASCII.GetBytes("dn: cn=big\ncn:: QUFB"), 1_000_000, Encoding.ASCII.GetBytes("\n\ndn: cn=next\ncn: next\n"));
        var records = new List<LdifRecord>();
        await foreach (var record in new LdifRecordReader(new StreamReader(input, Encoding.UTF8, false, 64 * 1024), s_all, 64 * 1024).ReadAsync())
        {
            records.Add(record);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        records.Count.ShouldBe(2);
        records[0].Error.ShouldNotBeNull().ShouldContain("longer than 65536");
        records[1].First("cn").ShouldBe("next");
        allocated.ShouldBeLessThan(32L * 1024 * 1024, "77 MB of folded value is passed over, never assembled past the limit (assembled, it would cost over 150 MB)");
    }

    [Fact]
    public async Task A_huge_physical_line_is_refused_and_reading_goes_on()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        using var input = new GeneratedStream(Encoding.ASCII.GetBytes("dn: cn=big\ncn: "), (byte)'a', 64L * 1024 * 1024, Encoding.ASCII.GetBytes("\n\ndn: cn=next\ncn: next\n"));
        var records = new List<LdifRecord>();
        await foreach (var record in new LdifRecordReader(new StreamReader(input), s_all, 64 * 1024).ReadAsync())
        {
            records.Add(record);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        records.Count.ShouldBe(2);
        records[0].Error.ShouldNotBeNull().ShouldContain("line 2 is longer");
        records[1].First("cn").ShouldBe("next");
        allocated.ShouldBeLessThan(8L * 1024 * 1024, "a 64 MiB line must not be buffered");
    }

    /// <summary>A prefix, then <c>folds</c> continuation lines " QUFB…" of 76 characters, then a suffix, generated as read.</summary>
    private sealed class GeneratedFolds(byte[] prefix, int folds, byte[] suffix) : Stream
    {
        private static readonly byte[] s_fold = Encoding.ASCII.GetBytes("\n " + string.Concat(Enumerable.Repeat("QUFB", 18)) + "QUF");
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => prefix.Length + ((long)folds * s_fold.Length) + suffix.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var written = 0;
            var body = (long)folds * s_fold.Length;
            while (written < buffer.Length && _position < Length)
            {
                buffer[written++] = _position < prefix.Length ? prefix[_position]
                    : _position < prefix.Length + body ? s_fold[(_position - prefix.Length) % s_fold.Length]
                    : suffix[_position - prefix.Length - body];
                _position++;
            }

            return written;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
