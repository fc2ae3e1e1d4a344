using System.Buffers;
using System.Text;
using Interchange.Imap.Protocol;
using Shouldly;

namespace Interchange.Tests.Imap;

public sealed class ImapCommandReaderTests
{
    public static TheoryData<string, string[]> Valid => new()
    {
        { "a1 NOOP\r\n", ["a1 NOOP"] },
        { "a1 noop\n", ["a1 NOOP"] },                                           // bare LF, name upper-cased
        { "a1 NOOP \r\n", ["a1 NOOP"] },                                        // trailing space tolerated
        { "a] NOOP\r\n", ["a] NOOP"] },                                         // "]" is an ASTRING-CHAR
        { "A2 LOGIN \"user\" \"p\\\\a\\\"ss\"\r\n", ["A2 LOGIN \"user\" \"p\\\\a\\\"ss\""] },
        { "a SELECT \"\"\r\n", ["a SELECT \"\""] },
        { "a UID FETCH 1:5,7,9:* (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100>)\r\n", ["a UID FETCH [1:5,7,9:*] (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100>)"] },
        { "a uid store 4:2 +FLAGS.SILENT (\\Deleted \\Seen)\r\n", ["a UID STORE [4:2] +FLAGS.SILENT (\\Deleted \\Seen)"] },
        { "a UID EXPUNGE 3\r\n", ["a UID EXPUNGE #3"] },
        { "a FETCH $ FLAGS\r\n", ["a FETCH [$] FLAGS"] },
        { "a SELECT NIL\r\n", ["a SELECT NIL"] },
        { "a LIST \"\" *\r\n", ["a LIST \"\" [*]"] },
        { "a LIST \"\" %/Sub*\r\n", ["a LIST \"\" %/Sub*"] },
        { "a X 18446744073709551615 18446744073709551616 007\r\n", ["a X #18446744073709551615 18446744073709551616 #7"] },
        { "a X 1:0\r\n", ["a X 1:0"] },                                        // not a set: an atom, the command decides
        { "a X ((a) (b (c)) ())\r\n", ["a X ((a) (b (c)) ())"] },
        { "a UID SEARCH CHARSET UTF-8 SUBJECT \"caf\u00e9 \u2603 \U0001F600\"\r\n", ["a UID SEARCH CHARSET UTF-8 SUBJECT \"caf\u00e9 \u2603 \U0001F600\""] },
        { "a APPEND INBOX (\\Seen) {5}\r\nhello\r\n", ["a APPEND INBOX (\\Seen) {5}'hello'"] },
        { "a APPEND INBOX {5+}\r\nhello FLAGS\r\n", ["a APPEND INBOX {5}'hello' FLAGS"] },
        { "a APPEND INBOX ~{3}\r\n\0\u0001\n\r\n", ["a APPEND INBOX ~{3}'\0\u0001\n'"] },
        { "a APPEND INBOX ~{3+}\r\nx\r\n\r\n", ["a APPEND INBOX ~{3}'x\r\n'"] },
        { "a LOGIN {4}\r\nuser {4+}\r\npass\r\n", ["a LOGIN {4}'user' {4}'pass'"] },
        { "a LOGIN {0}\r\n {0}\r\n\r\n", ["a LOGIN {0}'' {0}''"] },
        { "a X ({2}\r\nab {1}\r\n))\r\n", ["a X ({2}'ab' {1}')')"] },
        { "a NOOP\r\nb CAPABILITY\r\nc LOGOUT\r\n", ["a NOOP", "b CAPABILITY", "c LOGOUT"] },
        { "\r\n\na NOOP\r\n", ["a NOOP"] },                                     // empty lines ignored
        { "a X [\r\n", ["a X ["] },                                              // '[' is an ASTRING-CHAR outside a section
        { "a SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}\r\n", ["a SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}"] },
        { "a LIST \"\" Odd[%*\r\n", ["a LIST \"\" Odd[%*"] },
        { "a LIST a[b c]\r\n", ["a LIST a[b c]"] },                              // two astrings, not a section
        { "a FETCH 1 (body[HEADER.FIELDS (A B)] Binary.Peek[1]<0.5> BINARY.SIZE[2])\r\n", ["a FETCH #1 (body[HEADER.FIELDS (A B)] Binary.Peek[1]<0.5> BINARY.SIZE[2])"] },
        { "a STORE 1 +FLAGS NIL\r\n", ["a STORE #1 +FLAGS NIL"] },
    };

    public static TheoryData<string, string[]> Hostile => new()
    {
        { "a X (b\r\nb NOOP\r\n", ["a BAD Syntax SkipLine", "b NOOP"] },
        { "a X b)\r\n", ["a BAD Syntax SkipLine"] },
        { "a X \"nul\0\"\r\n", ["a BAD InvalidCharacter SkipLine"] },
        { "a X \"bad\\escape\"\r\n", ["a BAD Syntax SkipLine"] },
        { "a X \"unterminated\r\nb NOOP\r\n", ["a BAD Syntax SkipLine", "b NOOP"] },
        { "a X \"x\"y\r\n", ["a BAD Syntax SkipLine"] },
        { "a X a\u0001b\r\n", ["a BAD InvalidCharacter SkipLine"] },
        { "a X BODY[1\r\n", ["a BAD Syntax SkipLine"] },
        { " NOOP\r\n", ["* BAD Syntax SkipLine"] },
        { "+a NOOP\r\n", ["* BAD Syntax SkipLine"] },
        { "a(b NOOP\r\n", ["* BAD Syntax SkipLine"] },
        { "a\r\n", ["a BAD Syntax SkipLine"] },
        { "a UID\r\n", ["a BAD Syntax SkipLine"] },
        { "a {3}\r\nabc\r\n", ["a BAD Syntax SkipLine", "abc BAD Syntax SkipLine"] },    // no literal as the command name; "abc" is then a tag without a command
        { "a X {5}junk\r\n", ["a BAD Syntax SkipLine"] },
        { "a X {}\r\n", ["a BAD Syntax SkipLine"] },
        { "a X {-1}\r\n", ["a BAD Syntax SkipLine"] },
        { "a APPEND x {2147483648}\r\nb NOOP\r\n", ["a NO [TOOBIG] LiteralTooBig SkipLine", "b NOOP"] },
        { "a APPEND x {99999999999999999999}\r\nb NOOP\r\n", ["a NO [TOOBIG] LiteralTooBig SkipLine", "b NOOP"] },
        { "a APPEND x ~{99999999999999999999}\r\n", ["a NO [TOOBIG] LiteralTooBig SkipLine"] },
        { "a APPEND x {99999999999999999999+}\r\n", ["a BAD [TOOBIG] LiteralTooBig CloseConnection"] },
        { "a APPEND x {300000000+}\r\n", ["a BAD [TOOBIG] LiteralTooBig CloseConnection"] },
        { "a APPEND x {70000000+}\r\n", ["a BAD [TOOBIG] LiteralTooBig SkipLiteral 70000000"] },
        { "a X ) {8+}\r\nc NOOP\r\n\r\nb NOOP\r\n", ["a BAD Syntax SkipLiteral 8", "b NOOP"] },                  // the literal's bytes are not read as commands
        { "a X ) {8+}\r\nc NOOP\r\n {3+}\r\nd N\r\nb NOOP\r\n", ["a BAD Syntax SkipLiteral 8", "b NOOP"] },   // nor those of a later literal of the same command
        { "a X {3}\r\nabc )\r\nb NOOP\r\n", ["a BAD Syntax SkipLine", "b NOOP"] },
        { "a X " + new string('(', 1000) + new string(')', 1000) + "\r\nb NOOP\r\n", ["a BAD NestingTooDeep SkipLine", "b NOOP"] },
        { "a X " + new string('x', 70_000) + "\r\nb NOOP\r\n", ["a BAD LineTooLong SkipLine", "b NOOP"] },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void ReadsValidCommands(string wire, string[] expected) =>
        ImapWire.Run(Encoding.UTF8.GetBytes(wire), []).ShouldBe(expected);

    [Theory]
    [MemberData(nameof(Hostile))]
    public void RefusesHostileInput_AndRecovers(string wire, string[] expected) =>
        ImapWire.Run(Encoding.UTF8.GetBytes(wire), []).ShouldBe(expected);

    [Theory]
    [MemberData(nameof(Valid))]
    [MemberData(nameof(Hostile))]
    public void GivesTheSameCommands_WhereverTheInputIsSplit(string wire, string[] expected)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        if (bytes.Length > 3000)
        {
            // The long cases: a handful of splits around the interesting places, every byte for the rest.
            foreach (var split in new[] { 1, 4, 5, 6, 1000, bytes.Length / 2, bytes.Length - 12, bytes.Length - 9, bytes.Length - 1 })
            {
                ImapWire.WithoutContinuations(ImapWire.Run(bytes, [split])).ShouldBe(expected, ignoreOrder: false, customMessage: $"split at {split}");
            }

            return;
        }

        for (var split = 1; split < bytes.Length; split++)
        {
            ImapWire.WithoutContinuations(ImapWire.Run(bytes, [split])).ShouldBe(expected, ignoreOrder: false, customMessage: $"split at {split}");
        }

        ImapWire.WithoutContinuations(ImapWire.Run(bytes, Enumerable.Range(1, bytes.Length - 1).ToArray())).ShouldBe(expected, ignoreOrder: false, customMessage: "one byte at a time");
    }

    [Fact]
    public void NonUtf8QuotedString_AndEightBitAtom_AreRefused()
    {
        ImapWire.Run([.. "a X \""u8, 0xFF, .. "\"\r\n"u8], []).ShouldBe(["a BAD InvalidCharacter SkipLine"]);
        ImapWire.Run([.. "a X caf"u8, 0xC3, 0xA9, .. "\r\n"u8], []).ShouldBe(["a BAD InvalidCharacter SkipLine"]);
    }

    [Fact]
    public void AsksForEachSynchronizingLiteral_Once()
    {
        var bytes = "a LOGIN {4}\r\nuser {4}\r\npass\r\nb NOOP\r\n"u8.ToArray();
        var events = ImapWire.Run(bytes, Enumerable.Range(1, bytes.Length - 1).ToArray());
        events.ShouldBe(["+ 4", "+ 4", "a LOGIN {4}'user' {4}'pass'", "b NOOP"]);
    }

    [Fact]
    public void DoesNotAskForNonSynchronizingLiterals()
    {
        var bytes = "a LOGIN {4+}\r\nuser {4+}\r\npass\r\n"u8.ToArray();
        ImapWire.Run(bytes, Enumerable.Range(1, bytes.Length - 1).ToArray()).ShouldBe(["a LOGIN {4}'user' {4}'pass'"]);
    }

    [Fact]
    public void ReportsTheAnnouncedSize_BeforeAnyOfTheLiteral()
    {
        var reader = new ImapCommandReader();
        var buffer = new ReadOnlySequence<byte>("a APPEND INBOX ~{1048576}\r\n"u8.ToArray());
        var result = reader.TryRead(ref buffer);
        result.Status.ShouldBe(ImapReadStatus.NeedContinuation);
        result.LiteralLength.ShouldBe(1048576);
        result.IsLiteral8.ShouldBeTrue();
        buffer.Length.ShouldBe(27, "nothing consumed until the command is complete");
    }

    [Fact]
    public void RefusedContinuation_DropsTheCommand_AndReadsTheNext()
    {
        var reader = new ImapCommandReader();
        var buffer = new ReadOnlySequence<byte>("a APPEND INBOX {10}\r\n"u8.ToArray());
        reader.TryRead(ref buffer).Status.ShouldBe(ImapReadStatus.NeedContinuation);
        reader.RefuseContinuation(ref buffer);
        buffer.Length.ShouldBe(0);

        buffer = new ReadOnlySequence<byte>("b NOOP\r\n"u8.ToArray());
        var result = reader.TryRead(ref buffer);
        result.Status.ShouldBe(ImapReadStatus.Command);
        result.Command!.Tag.ShouldBe("b");
    }

    [Fact]
    public void LineLimit_IsDecidedBeforeBufferingMore()
    {
        var reader = new ImapCommandReader(new ImapParserOptions { MaxLineLength = 100 });
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("a X " + new string('x', 95)));
        reader.TryRead(ref buffer).Status.ShouldBe(ImapReadStatus.NeedMoreData);   // 99 bytes: could still end in time

        buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("a X " + new string('x', 96)));
        var result = reader.TryRead(ref buffer);
        result.Status.ShouldBe(ImapReadStatus.Error);                              // 100 bytes without LF: cannot
        result.Error!.Kind.ShouldBe(ImapParseErrorKind.LineTooLong);
        result.Error.Tag.ShouldBe("a");
        buffer.Length.ShouldBe(0, "the bytes are discarded, not kept");
    }

    [Fact]
    public void LineLimit_CountsAllLinesOfACommand_ButNotLiterals()
    {
        var options = new ImapParserOptions { MaxLineLength = 40 };
        var literal = new string('L', 100);
        ImapWire.Run($"a LOGIN {{100}}\r\n{literal} {{3}}\r\nabc\r\n", options).ShouldBe([$"a LOGIN {{100}}'{literal}' {{3}}'abc'"]);
        ImapWire.Run($"a LOGIN {{3}}\r\nabc {new string('y', 30)}\r\n", options).ShouldBe(["a BAD LineTooLong SkipLine"]);
    }

    [Fact]
    public void LiteralLimit_IsTheSumOfACommandsLiterals()
    {
        var options = new ImapParserOptions { MaxLiteralSize = 10 };
        ImapWire.Run("a X {6}\r\n123456 {4}\r\n1234\r\n", options).ShouldBe(["a X {6}'123456' {4}'1234'"]);
        ImapWire.Run("a X {6}\r\n123456 {5}\r\nb NOOP\r\n", options).ShouldBe(["a NO [TOOBIG] LiteralTooBig SkipLine", "b NOOP"]);
    }

    [Fact]
    public void LiteralMinus_RefusesLargeNonSynchronizingLiterals_AndSkipsTheirBytes()
    {
        var options = new ImapParserOptions { LiteralMinus = true };
        var wire = Encoding.ASCII.GetBytes("a APPEND x {4097+}\r\n" + new string('z', 4097) + "\r\nb NOOP\r\n");
        ImapWire.Run(wire, [], options).ShouldBe(["a BAD [TOOBIG] LiteralTooBig SkipLiteral 4097", "b NOOP"]);
        ImapWire.Run(wire, [30, 1000, 4000, 4117], options).ShouldBe(["a BAD [TOOBIG] LiteralTooBig SkipLiteral 4097", "b NOOP"]);
        ImapWire.Run("a APPEND x {4096+}\r\n" + new string('z', 4096) + "\r\n", options).ShouldBe(["a APPEND x {4096}'" + new string('z', 4096) + "'"]);
    }

    [Fact]
    public void HundredThousandSequenceRanges_AreRefused()
    {
        var set = string.Join(',', Enumerable.Range(0, 100_000).Select(i => (2 * i) + 1));
        var options = new ImapParserOptions { MaxLineLength = 1 << 20 };
        ImapWire.Run($"a FETCH {set} FLAGS\r\nb NOOP\r\n", options).ShouldBe(["a BAD TooManySequenceRanges SkipLine", "b NOOP"]);
        ImapWire.Run($"a FETCH {set} FLAGS\r\n").ShouldBe(["a BAD LineTooLong SkipLine"]);                // the line limit comes first by default
    }

    [Fact]
    public void TooManyArguments_AreRefused()
    {
        var options = new ImapParserOptions { MaxArguments = 3 };
        ImapWire.Run("a X a b c\r\n", options).ShouldBe(["a X a b c"]);
        ImapWire.Run("a X a b c d\r\n", options).ShouldBe(["a BAD TooManyArguments SkipLine"]);
        ImapWire.Run("a X (a (b))\r\n", options).ShouldBe(["a BAD TooManyArguments SkipLine"]);        // lists count, nested values count
        ImapWire.Run("a X b c d {3+}\r\nabc\r\nc NOOP\r\n", options).ShouldBe(["a BAD TooManyArguments SkipLiteral 3", "c NOOP"]);   // refused at the announcement: the literal is skipped
    }

    [Fact]
    public void NestingLimit_IsExact()
    {
        var options = new ImapParserOptions { MaxNestingDepth = 3 };
        ImapWire.Run("a X (((x)))\r\n", options).ShouldBe(["a X (((x)))"]);
        ImapWire.Run("a X ((((x))))\r\n", options).ShouldBe(["a BAD NestingTooDeep SkipLine"]);
    }

    [Fact]
    public void Arguments_ReadAsTheGrammarTheCommandNeeds()
    {
        ImapCommand? command = null;
        ImapWire.Run("a X 5 1:3 NIL \"q\" {2}\r\nab INBOX 0 4294967296 (\\Seen)\r\n"u8.ToArray(), [], onCommand: c => command = c);
        var args = command!.Arguments;
        args[0].TryGetNumber(out var five, nonZero: true).ShouldBeTrue();
        five.ShouldBe(5u);
        args[0].TryGetSequenceSet(out var single).ShouldBeTrue();
        single.ToString().ShouldBe("5");
        args[1].TryGetSequenceSet(out var range).ShouldBeTrue();
        range.Enumerate(10).ShouldBe([1u, 2u, 3u]);
        args[2].TryGetNString(out var nil).ShouldBeTrue();
        nil.ShouldBeNull();
        args[2].TryGetAstring(out var nilName).ShouldBeTrue();
        nilName.ShouldBe("NIL");
        args[3].TryGetAstring(out var q).ShouldBeTrue();
        q.ShouldBe("q");
        args[4].TryGetAstring(out var literal).ShouldBeTrue();
        literal.ShouldBe("ab");
        args[5].IsAtom("inbox").ShouldBeTrue();
        args[6].TryGetNumber(out _, nonZero: true).ShouldBeFalse();
        args[6].TryGetSequenceSet(out _).ShouldBeFalse();
        args[7].TryGetNumber(out _).ShouldBeFalse();
        args[8].Items.Single().Text.ShouldBe("\\Seen");
        args[8].TryGetAstring(out _).ShouldBeFalse();
    }
}
