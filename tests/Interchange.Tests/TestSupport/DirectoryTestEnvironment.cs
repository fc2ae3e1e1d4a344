using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Directory.Resolution;
using Interchange.Directory.Security;
using Interchange.Storage.Sqlite;

namespace Interchange.Tests.TestSupport;

/// <summary>
/// A directory on a temp SQLite file with everything built on it: the administration service,
/// the resolver, the security-context cache, the throttle on a manual clock, the authenticator
/// and the change watcher. PBKDF2 runs with 1000 iterations to keep tests fast.
/// </summary>
public sealed class DirectoryTestEnvironment : IAsyncDisposable
{
    public const int Iterations = 1000;

    private readonly TempDirectory _directory;

    private DirectoryTestEnvironment(TempDirectory directory, SqliteDatabase database, LoginThrottleOptions throttleOptions)
    {
        _directory = directory;
        Database = database;
        Store = new SqliteDirectoryStore(database);
        Hasher = new PasswordHasher(Iterations);
        Options = new DirectoryOptions { PasswordIterations = Iterations };
        Service = new DirectoryService(Store, Hasher, Options);
        Resolver = new RecipientResolver(Store);
        Contexts = new SecurityContextCache(Store);
        Clock = new ManualTimeProvider();
        ThrottleOptions = throttleOptions;
        Throttle = new LoginThrottle(throttleOptions, Clock);
        Authenticator = new Authenticator(Contexts, Hasher, Throttle);
        Watcher = new DirectoryChangeWatcher(Store, Contexts);
    }

    public string DatabasePath => Database.Path;

    public SqliteDatabase Database { get; }

    public SqliteDirectoryStore Store { get; }

    public PasswordHasher Hasher { get; }

    public DirectoryOptions Options { get; }

    public DirectoryService Service { get; }

    public RecipientResolver Resolver { get; }

    public SecurityContextCache Contexts { get; }

    public ManualTimeProvider Clock { get; }

    public LoginThrottleOptions ThrottleOptions { get; }

    public LoginThrottle Throttle { get; }

    public Authenticator Authenticator { get; }

    public DirectoryChangeWatcher Watcher { get; }

    public static async Task<DirectoryTestEnvironment> CreateAsync(LoginThrottleOptions? throttle = null)
    {
        var directory = new TempDirectory();
        try
        {
            var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = directory.File("directory.db") });
            var environment = new DirectoryTestEnvironment(directory, database, throttle ?? new LoginThrottleOptions());

            // The watcher starts before any context is cached, as the host does.
            await environment.Watcher.StartAsync(CancellationToken.None);
            return environment;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        _directory.Dispose();
    }
}
