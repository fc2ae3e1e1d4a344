namespace Interchange.Server;

/// <summary>Conventional exit codes: 0 done, 1 failed, 2 the command line was wrong, 3 an import refused some entries.</summary>
public static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary>An import that imported what it could but refused some entries (they are listed).</summary>
    public const int Partial = 3;
}
