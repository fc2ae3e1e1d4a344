namespace Interchange.Imap.Protocol;

/// <summary>What a command argument is, lexically (RFC 3501 §4, §9).</summary>
public enum ImapValueKind
{
    /// <summary>A bare token that is no number, NIL or sequence set: an atom, flag (\Seen), list pattern, or fetch item with its section (BODY[1.MIME]&lt;0.10&gt;).</summary>
    Atom,

    /// <summary>Digits only, within 0..18446744073709551615.</summary>
    Number,

    /// <summary>A quoted string, escapes removed.</summary>
    QuotedString,

    /// <summary>A literal {n}, {n+}, ~{n} or ~{n+}; <see cref="ImapValue.Bytes"/> holds the contents.</summary>
    Literal,

    /// <summary>The atom NIL (any case).</summary>
    Nil,

    /// <summary>A parenthesised list.</summary>
    List,

    /// <summary>A bare token of sequence-set syntax with ":", ",", "*" or "$" in it (a lone number is a <see cref="Number"/>).</summary>
    SequenceSet,
}
