namespace Interchange.Directory.Import;

/// <summary>The file formats of bulk import and export (docs/IMPORT.md).</summary>
public enum ImportFormat
{
    /// <summary>RFC 4180 CSV with a header row: type,address,password_hash,disabled,role,targets.</summary>
    Csv,

    /// <summary>RFC 2849 LDIF content records in the shapes an OpenLDAP export has.</summary>
    Ldif,
}
