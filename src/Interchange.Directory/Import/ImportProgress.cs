namespace Interchange.Directory.Import;

/// <summary>
/// Where an import is, after each committed batch. <paramref name="Position"/> and
/// <paramref name="Total"/> are bytes of the input (Total null when the stream's length is not
/// known); the counts are operations (an entry, or a domain created for it).
/// </summary>
public readonly record struct ImportProgress(long Position, long? Total, long Entries, long Created, long Changed, long Unchanged, long Failed);
