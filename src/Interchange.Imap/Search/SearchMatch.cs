namespace Interchange.Imap.Search;

/// <summary>One message a search matched: the number to report (a UID for UID SEARCH, else the sequence number), its UID (for SAVE) and its mod-sequence.</summary>
public readonly record struct SearchMatch(uint Number, uint Uid, ulong ModSeq);
