namespace Interchange.Directory.Import;

/// <summary>Reads a file's entries in a deterministic order (the same file gives the same sequence, so a run can resume by counting).</summary>
public interface IImportReader
{
    IAsyncEnumerable<ImportEntry> ReadAsync(CancellationToken cancellationToken);
}
