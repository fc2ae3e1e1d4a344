using Shouldly;
using Xunit;

namespace Interchange.IntegrationTests;

/// <summary>A server that allows 3 keywords a mailbox, of at most 10 characters.</summary>
public sealed class FewKeywordsFixture : SessionLimitsFixture
{
    protected override bool SmallLimits => false;

    protected override IReadOnlyDictionary<string, string> ExtraSettings { get; } = new Dictionary<string, string>
    {
        ["INTERCHANGE__Imap__MaxKeywords"] = "3",
        ["INTERCHANGE__Imap__MaxKeywordLength"] = "10",
    };
}

/// <summary>Keywords are bounded per mailbox, so FLAGS and PERMANENTFLAGS cannot be made to grow without end.</summary>
public sealed class KeywordLimitTests(FewKeywordsFixture fixture) : IClassFixture<FewKeywordsFixture>
{
    [Fact]
    public async Task StoreAndAppend_RefuseKeywordsBeyondTheLimit_WithLimit()
    {
        var result = await ExternalProcess.PythonAsync($$"""
            import imaplib
            m = imaplib.IMAP4("127.0.0.1", {{fixture.Port("imap")}})
            m.login("alice@example.test", "{{SessionLimitsFixture.Password}}")
            m.create("Keywords")
            m.append("Keywords", None, None, b"Subject: k\r\n\r\nbody\r\n")
            m.select("Keywords")
            def store(flags):
                try:
                    typ, data = m.store("1", "+FLAGS", flags)
                    return typ + " " + repr(data)
                except imaplib.IMAP4.error as e:
                    return "NO " + str(e)
            print("two", store("(one two)"))
            print("third", store("(three)"))
            print("again", store("(one two three)"))
            print("fourth", store("(four)"))
            print("long", store("(abcdefghijklmnop)"))
            print("remove", store("(\\Seen)"))
            try:
                typ, data = m.append("Keywords", "(five six seven eight)", None, b"Subject: k2\r\n\r\nbody\r\n")
                print("append", typ, data)
            except imaplib.IMAP4.error as e:
                print("append NO", e)
            """);
        result.Stdout.ShouldContain("two OK", Case.Sensitive, ExternalProcess.Describe(result));
        result.Stdout.ShouldContain("third OK");
        result.Stdout.ShouldContain("again OK", Case.Sensitive, "keywords already in the mailbox are not new");
        result.Stdout.ShouldContain("fourth NO", Case.Sensitive, ExternalProcess.Describe(result));
        result.Stdout.ShouldContain("Too many keywords");
        result.Stdout.ShouldContain("long NO");
        result.Stdout.ShouldContain("remove OK", Case.Sensitive, "system flags are not keywords");
        result.Stdout.ShouldContain("append NO", Case.Sensitive, "APPEND's own flags are held to the same limit");
    }
}
