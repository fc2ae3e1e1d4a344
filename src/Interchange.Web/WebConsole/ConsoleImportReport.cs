namespace Interchange.Web.WebConsole;

/// <summary>
/// An import's result: rows read, entries changed (created or updated), rows that changed
/// nothing (already so: an import run twice changes nothing the second time), rows refused, and
/// the first errors with their line numbers (<see cref="ErrorsOmitted"/> counts the rest).
/// </summary>
public sealed record ConsoleImportReport(long Rows, long Changed, long Unchanged, long Failed, IReadOnlyList<ConsoleImportError> Errors, long ErrorsOmitted);
