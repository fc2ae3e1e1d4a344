namespace Interchange.Web.WebConsole;

/// <summary>One bad row: its line in the file (1 = the first) and what is wrong with it.</summary>
public sealed record ConsoleImportError(long Line, string Message);
