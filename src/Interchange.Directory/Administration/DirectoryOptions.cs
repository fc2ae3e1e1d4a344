namespace Interchange.Directory.Administration;

/// <summary>Directory policy an administrator can set (<c>Interchange:Directory</c> in the configuration).</summary>
public sealed class DirectoryOptions
{
    public int MinimumPasswordLength { get; set; } = 8;

    public int MaximumPasswordLength { get; set; } = 1024;

    /// <summary>PBKDF2 iterations for new hashes; older hashes keep theirs.</summary>
    public int PasswordIterations { get; set; } = Passwords.PasswordHasher.DefaultIterations;
}
