namespace Interchange.Server.Hosting;

/// <summary>The layout of a data folder: everything a server keeps lives below one directory.</summary>
public sealed class DataFolder(string root)
{
    public const string EnvironmentVariable = "INTERCHANGE__DATA";

    public string Root { get; } = Path.GetFullPath(root);

    public string StorePath => Path.Combine(Root, "store.db");

    public string BlobsPath => Path.Combine(Root, "blobs");

    public string TlsPath => Path.Combine(Root, "tls");

    public string RunPath => Path.Combine(Root, "run");

    public string EndpointsFile => Path.Combine(RunPath, "endpoints.json");

    public string ConfigFile => Path.Combine(Root, "interchange.json");

    public bool StoreExists => File.Exists(StorePath);

    public string ServerLockFile => Path.Combine(RunPath, "server.lock");

    /// <summary>
    /// Takes the folder's server lock (an exclusive advisory lock, released when the process
    /// ends however it ends); null if another server holds it.
    /// </summary>
    public FileStream? TryLockServer()
    {
        System.IO.Directory.CreateDirectory(RunPath);
        try
        {
            return new FileStream(ServerLockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Whether a server holds the folder's lock now.</summary>
    public bool IsServerRunning()
    {
        if (!File.Exists(ServerLockFile))
        {
            return false;
        }

        using var probe = TryLockServer();
        return probe is null;
    }

    /// <summary>--data, else INTERCHANGE__DATA, else ./data.</summary>
    public static DataFolder Resolve(string? option) =>
        new(option ?? Environment.GetEnvironmentVariable(EnvironmentVariable) ?? "data");
}
