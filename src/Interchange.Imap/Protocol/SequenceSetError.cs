namespace Interchange.Imap.Protocol;

/// <summary>Why a sequence set did not parse.</summary>
public enum SequenceSetError
{
    None,

    /// <summary>Not the grammar: empty element, stray character, leading zero, "$" inside a list.</summary>
    Syntax,

    /// <summary>0 is not a message number or UID.</summary>
    Zero,

    /// <summary>A number above 4294967295.</summary>
    Overflow,

    /// <summary>More elements than the limit allows.</summary>
    TooManyRanges,
}
