namespace Interchange.Imap.Search;

/// <summary>ESEARCH return options (RFC 4731; SAVE from RFC 5182).</summary>
[Flags]
public enum SearchReturnOptions
{
    None = 0,
    Min = 1,
    Max = 2,
    Count = 4,
    All = 8,

    /// <summary>Save the result for "$" (RFC 5182).</summary>
    Save = 16,
}
