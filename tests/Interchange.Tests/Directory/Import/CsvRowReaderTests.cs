using System.Text;
using Interchange.Directory.Import;
using Shouldly;

namespace Interchange.Tests.Directory.Import;

public sealed class CsvRowReaderTests
{
    private static async Task<List<CsvRow>> Read(string text, int max = 1 << 20)
    {
        var rows = new List<CsvRow>();
        await foreach (var row in new CsvRowReader(new StringReader(text), max).ReadAsync())
        {
            rows.Add(row);
        }

        return rows;
    }

    [Fact]
    public async Task Rfc4180_quoting_commas_doubled_quotes_and_line_breaks_in_fields()
    {
        // RFC 4180 section 2, examples of rules 5-7, with CRLF and a final record without a line break.
        var rows = await Read("aaa,\"b,bb\",ccc\r\n\"a\"\"b\",\"line1\r\nline2\",\r\nzzz,yyy,xxx");

        rows.Count.ShouldBe(3);
        rows[0].Fields.ShouldBe(["aaa", "b,bb", "ccc"]);
        rows[1].Fields.ShouldBe(["a\"b", "line1\r\nline2", ""]);
        rows[2].Fields.ShouldBe(["zzz", "yyy", "xxx"]);
        rows.Select(r => r.Line).ShouldBe([1, 2, 4], "a record that spans lines is numbered by its first line");
    }

    [Fact]
    public async Task Bare_line_feeds_and_blank_lines_are_taken()
    {
        var rows = await Read("a,b\n\nc,d\n");
        rows.Select(r => r.Fields).ShouldBe([["a", "b"], ["c", "d"]]);
        rows.Select(r => r.Line).ShouldBe([1, 3]);
    }

    [Theory]
    [InlineData("ab\"c,d\nnext,row\n", "double quote inside")]
    [InlineData("\"ab\"c,d\nnext,row\n", "after the closing quote")]
    [InlineData("a\0b,d\nnext,row\n", "NUL")]
    public async Task A_malformed_row_is_reported_and_the_next_row_is_read(string text, string error)
    {
        var rows = await Read(text);

        rows.Count.ShouldBe(2);
        rows[0].Error.ShouldNotBeNull().ShouldContain(error);
        rows[1].Fields.ShouldBe(["next", "row"]);
        rows[1].Line.ShouldBe(2);
    }

    [Fact]
    public async Task An_unterminated_quote_is_reported_with_the_line_it_starts_on()
    {
        var rows = await Read("a,b\nc,\"open\nmore\n");

        rows.Count.ShouldBe(2);
        rows[1].Error.ShouldNotBeNull().ShouldContain("starting on line 2");
    }

    [Fact]
    public async Task A_huge_row_is_refused_without_being_kept_in_memory()
    {
        const int Huge = 64 * 1024 * 1024;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var rows = new List<CsvRow>();
        // A stream that completes synchronously, so the reader stays on this thread and its allocations are counted.
        using var input = new GeneratedStream(Encoding.ASCII.GetBytes("a,b\n"), (byte)'x', Huge, Encoding.ASCII.GetBytes("\nc,d\n"));
        await foreach (var row in new CsvRowReader(new StreamReader(input), 4096).ReadAsync())
        {
            rows.Add(row);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        rows.Count.ShouldBe(3);
        rows[1].Error.ShouldNotBeNull().ShouldContain("longer than 4096");
        rows[2].Fields.ShouldBe(["c", "d"]);
        rows[2].Line.ShouldBe(3);
        allocated.ShouldBeLessThan(8L * 1024 * 1024, "a 64 MiB row must not be buffered (it would cost 128 MiB as a string)");
    }
}
