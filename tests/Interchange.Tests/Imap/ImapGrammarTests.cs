using System.Text;
using Interchange.Imap.Protocol;
using Shouldly;

namespace Interchange.Tests.Imap;

/// <summary>
/// Grammar details a client meets (issue 8 item 14): '[' in an astring, an atom that reads NIL
/// where a flag is wanted, and LIST patterns (RFC 3501 6.3.8) matched without backtracking.
/// </summary>
public sealed class ImapGrammarTests
{
    // wire arguments → each argument as "Kind:Text"
    public static TheoryData<string, string[]> Arguments => new()
    {
        { "a SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}", ["Atom:!#$&'+,-.0123456789:;<=>?@^_`|[}"] },
        { "a LIST \"\" Odd[%*", ["QuotedString:", "Atom:Odd[%*"] },
        { "a LIST a[b c]", ["Atom:a[b", "Atom:c]"] },
        { "a X [ ]", ["Atom:[", "Atom:]"] },
        { "a FETCH 1 BODY.PEEK[HEADER.FIELDS (A B)]", ["Number:1", "Atom:BODY.PEEK[HEADER.FIELDS (A B)]"] },
        { "a FETCH 1 binary.size[1 2]", ["Number:1", "Atom:binary.size[1 2]"] },
        { "a FETCH 1 BODYX[1 2]", ["Number:1", "Atom:BODYX[1", "Atom:2]"] },
        { "a STORE 1 +FLAGS NIL", ["Number:1", "Atom:+FLAGS", "Nil:NIL"] },
    };

    // token → is it a flag (RFC 3501 9: flag-keyword = atom, flag-extension = "\" atom)?
    public static TheoryData<string, bool> Flags => new()
    {
        { "NIL", true },
        { "nil", true },
        { "\\Seen", true },
        { "$Forwarded", true },
        { "123", true },
        { "1:2", true },
        { "Odd[", true },
        { "\\", false },
        { "a*", false },
        { "a%", false },
        { "a]", false },
        { "\"quoted\"", false },
        { "(list)", false },
    };

    // pattern, name, matches?
    public static TheoryData<string, string, bool> Patterns => new()
    {
        { "*", "INBOX", true },
        { "*", "a/b/c", true },
        { "%", "a", true },
        { "%", "a/b", false },
        { "a/%", "a/b", true },
        { "a/%", "a/b/c", false },
        { "a/*", "a/b/c", true },
        { "%/%", "a/b", true },
        { "%/%", "a/b/c", false },
        { "inbox", "INBOX", true },
        { "Inbox/%", "INBOX/x", true },
        { "inboxes", "Inboxes", true },
        { "inboxes", "INBOXes", true },
        { "Sent", "sent", false },
        { "a%c", "abc", true },
        { "a%c", "a/c", false },
        { "a*c", "a/c", true },
        { "Odd[%", "Odd[Name", true },
        { "a.c", "abc", false },
        { "(x)|^$", "(x)|^$", true },
        { "%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*%*x", new string('a', 60), false },
        { "%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%a", new string('a', 60), true },
        { "a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%a%b", new string('a', 60), false },
        { "", "", true },
        { "", "a", false },
    };

    [Theory]
    [MemberData(nameof(Arguments))]
    public void ArgumentsAreLexedAsTheGrammarSays(string line, string[] expected)
    {
        var commands = new List<ImapCommand>();
        ImapWire.Run(Encoding.UTF8.GetBytes(line + "\r\n"), [], onCommand: commands.Add);
        commands.Count.ShouldBe(1);
        commands[0].Arguments.Select(a => $"{a.Kind}:{a.Text}").ToArray().ShouldBe(expected);
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void AnyAtomIsAFlag_WhateverTheLexerMadeOfIt(string token, bool isFlag)
    {
        var commands = new List<ImapCommand>();
        ImapWire.Run(Encoding.UTF8.GetBytes($"a STORE 1 FLAGS {token}\r\n"), [], onCommand: commands.Add);
        var parsed = commands.Count == 1 && commands[0].Arguments[2].TryGetFlag(out var flag) ? flag : null;
        (parsed is not null).ShouldBe(isFlag, token);
        if (isFlag)
        {
            parsed.ShouldBe(token);
        }
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void ListPatterns_MatchAsRfc3501Says(string pattern, string name, bool expected) =>
        new ListPattern(pattern).IsMatch(name).ShouldBe(expected, $"{pattern} ~ {name}");

    [Fact]
    public async Task ListPattern_OfManyWildcards_OverALongName_Finishes()
    {
        // A regular expression took its 1 s timeout on this, and the timeout ended the session;
        // backtracking over 8000 wildcards would not finish at all. Waited for with a bound (no
        // wall-clock limit on a machine shared with other builds): it takes milliseconds.
        var pattern = new ListPattern(string.Concat(Enumerable.Repeat("%*", 4000)) + "x");
        var name = new string('a', 1000);
        await Task.Run(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                pattern.IsMatch(name).ShouldBeFalse();
            }
        }).WaitAsync(TimeSpan.FromSeconds(60));
    }
}
