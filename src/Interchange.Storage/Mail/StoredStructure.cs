using Interchange.Storage.Blobs;

namespace Interchange.Storage.Mail;

/// <summary>
/// What parsing a message's content learnt, kept with the content so that no reader parses it
/// again: the Message-ID (for the log), the parser limits it hit, and the whole structure as
/// Interchange.Mime's StructureCodec bytes (offsets relative to the blob: a reader adds the
/// length of any trace prefix it shows in front). Keyed by the blob: the same bytes have the
/// same structure, so a second copy of a content keeps the first record. The store treats the
/// bytes as opaque; a version it does not know is the reader's to parse again.
/// </summary>
public sealed record StoredStructure(BlobId Blob, string? MessageId, int Limits, byte[] Structure);
