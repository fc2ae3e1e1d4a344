using System.Text;
using Interchange.Imap.Fetch;
using Interchange.Mime.Parsing;
using Shouldly;
using static Interchange.Tests.Imap.Fetch.FetchTestSupport;

namespace Interchange.Tests.Imap.Fetch;

/// <summary>
/// A message whose reading throws (a bug its bytes reach) still gets a whole FETCH response:
/// ENVELOPE, BODY and BODYSTRUCTURE describe the unparsed reading (no header, one text/plain
/// body of the raw bytes), BODY[] is the bytes, and nothing is half written.
/// </summary>
public sealed class FetchContainmentTests
{
    private const string Raw = "Subject: =?utf-7?Q?a?=\r\n\r\nbody\r\n";

    [Fact]
    public void A_message_whose_parse_throws_is_answered_with_its_raw_bytes()
    {
        var message = new ThrowingMessage(Encoding.ASCII.GetBytes(Raw), throwOnStructure: true);

        var response = Respond("(UID ENVELOPE BODYSTRUCTURE BODY BODY[] BODY[1] BODY[HEADER])", message);

        response.ShouldBe(
            "* 1 FETCH (UID 7 ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) "
            + $"BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" {Raw.Length} 0 NIL NIL NIL NIL) "
            + $"BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" {Raw.Length} 0) "
            + $"BODY[] {{{Raw.Length}}}\r\n{Raw} BODY[1] {{{Raw.Length}}}\r\n{Raw} BODY[HEADER] {{0}}\r\n)\r\n");
    }

    [Fact]
    public void A_decoder_exception_while_reading_the_structure_is_answered_with_the_unparsed_reading()
    {
        // What .NET threw for a UTF-7 Subject before MimeCharsets caught it.
        var message = new ThrowingMessage(Encoding.ASCII.GetBytes(Raw), throwOnStructure: false);

        var response = Respond("(ENVELOPE BODY[])", message);

        response.ShouldStartWith("* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) BODY[] {");
        response.ShouldEndWith(")\r\n");
    }

    [Fact]
    public void A_message_whose_parse_throws_is_searched_as_its_raw_bytes()
    {
        var message = new Interchange.Imap.Search.SearchableMessage(new ThrowingMessage(Encoding.ASCII.GetBytes(Raw), throwOnStructure: true), 1, 7);

        message.Headers.Count.ShouldBe(0, "the unparsed reading has no header");
        var found = message.FindInBody([new Interchange.Imap.Search.SearchPattern("BODY"), new Interchange.Imap.Search.SearchPattern("absent")]);
        found.ShouldBe([true, false]);
    }

    /// <summary>A message whose structure cannot be read: GetStructure throws, or gives a structure whose envelope throws.</summary>
    private sealed class ThrowingMessage(byte[] bytes, bool throwOnStructure) : IFetchableMessage
    {
        public uint SequenceNumber => 1;

        public uint Uid => 7;

        public IReadOnlyList<string> Flags => [];

        public DateTimeOffset InternalDate => DateTimeOffset.UnixEpoch;

        public long Size => bytes.LongLength;

        public ulong ModSeq => 1;

        public MessageStructure GetStructure() => throwOnStructure
            ? throw new InvalidOperationException("a parser bug")
            : throw new NotSupportedException("Support for UTF-7 is disabled.");

        public Stream OpenRange(long offset, long length) => new MemoryStream(bytes, (int)offset, (int)length, writable: false);
    }
}
