using System.Buffers;
using System.Text;
using Interchange.Imap.Fetch;
using Interchange.Imap.Protocol;

namespace Interchange.Tests.Imap.Fetch;

/// <summary>Reads commands through the real reader, so arguments are tokenized as a client's would be.</summary>
internal static class FetchTestSupport
{
    public static ImapCommand Command(string line)
    {
        var reader = new ImapCommandReader();
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(line + "\r\n"));
        var result = reader.TryRead(ref buffer);
        Assert.Equal(ImapReadStatus.Command, result.Status);
        return result.Command!;
    }

    /// <summary>The arguments after the sequence set of "a FETCH 1 {items}".</summary>
    public static IReadOnlyList<ImapValue> FetchArguments(string items) => Command("a FETCH 1 " + items).Arguments.Skip(1).ToList();

    public static FetchRequest Request(string items)
    {
        Assert.True(FetchRequest.TryParse(FetchArguments(items), out var request, out var error), error);
        return request;
    }

    public static string Respond(string items, IFetchableMessage message, bool uid = false, bool flagsChanged = false)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new ImapResponseWriter(output);
        Assert.True(FetchResponder.TryWrite(writer, Request(items), message, uid, flagsChanged, out _, out var error), error);
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    public static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));
}
