namespace Interchange.Directory.Import;

/// <summary>A problem with one entry, at its line in the input. An error means the entry was not imported; a warning that it was, with less than the file said.</summary>
public sealed record ImportIssue(int Line, string Message, bool IsWarning = false)
{
    public override string ToString() => $"line {Line}: {(IsWarning ? "warning: " : "")}{Message}";
}
