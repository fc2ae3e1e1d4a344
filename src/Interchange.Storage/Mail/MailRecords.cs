using Interchange.Storage.Blobs;

namespace Interchange.Storage.Mail;

public sealed record MailboxInfo(long Id, string Name, long UidValidity, long UidNext, long HighestModSeq, int Messages, string? SpecialUse, bool Subscribed);

/// <summary>A stored message: its content is <see cref="Prefix"/> followed by the blob's bytes.</summary>
public sealed record StoredMessage(long Uid, BlobId Blob, byte[] Prefix, long Size, DateTimeOffset InternalDate, IReadOnlyList<string> Flags, long ModSeq);
