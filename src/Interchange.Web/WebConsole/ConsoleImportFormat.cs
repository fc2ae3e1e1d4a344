namespace Interchange.Web.WebConsole;

/// <summary>An import file's format.</summary>
public enum ConsoleImportFormat
{
    /// <summary>CSV (RFC 4180) with a header row.</summary>
    Csv,

    /// <summary>LDIF (RFC 2849).</summary>
    Ldif,
}
