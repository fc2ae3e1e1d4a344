namespace Interchange.Web.WebConsole;

/// <summary>How far an import is: bytes read of the file's length, rows done, and how they went.</summary>
public sealed record ConsoleImportProgress(long BytesRead, long Length, long Rows, long Changed, long Unchanged, long Failed);
