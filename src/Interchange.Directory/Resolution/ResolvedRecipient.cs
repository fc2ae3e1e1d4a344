namespace Interchange.Directory.Resolution;

/// <summary>A final destination of a message: a local mailbox, or an address elsewhere.</summary>
public sealed record ResolvedRecipient(string Address, string Key, bool IsLocal);
