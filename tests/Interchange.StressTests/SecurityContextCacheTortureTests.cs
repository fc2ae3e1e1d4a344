using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Interchange.Directory.Administration;
using Interchange.Directory.Passwords;
using Interchange.Directory.Security;
using Interchange.Storage.Sqlite;
using Shouldly;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.StressTests;

/// <summary>
/// Seed Q193215 ("security context deleted and initialized at the same time"), ARCHITECTURE.md
/// rule 3. 32 tasks log the same users in and out while another task keeps changing those users
/// in the directory and invalidating their contexts, as the change watcher does.
/// </summary>
public sealed class SecurityContextCacheTortureTests(ITestOutputHelper output)
{
    private const string Password = "correct horse battery";
    private const int Users = 4;
    private const int Sessions = 32;
    private const int MaxLoginsPerSession = 20_000;
    private const int Changes = 300;

    [Fact]
    public async Task SecurityContextCache_Q193215_LoginLogoutAndInvalidationNeverLoseOrResurrectAContext()
    {
        using var temp = new TempDirectory();
        await using var database = await SqliteDatabase.OpenAsync(new SqliteOptions { Path = Path.Combine(temp.Path, "store.db") });
        var realStore = new SqliteDirectoryStore(database);
        var hasher = new PasswordHasher(iterations: 1000);
        var directory = new DirectoryService(realStore, hasher, new DirectoryOptions());
        await directory.AddDomainAsync("example.test");
        var users = Enumerable.Range(0, Users).Select(i => $"user{i}@example.test").ToArray();
        foreach (var user in users)
        {
            await directory.AddUserAsync(user, Password);
        }

        var cache = new SecurityContextCache(new YieldingDirectoryStore(realStore));
        var authenticator = new Authenticator(cache, hasher, new LoginThrottle(new LoginThrottleOptions()));
        var watcher = new DirectoryChangeWatcher(realStore, cache);
        await watcher.StartAsync(CancellationToken.None);

        // What has been committed AND invalidated (published only after the invalidation returns).
        var aliasGeneration = new long[Users];
        var credentialVersion = new long[Users];
        for (var i = 0; i < Users; i++)
        {
            credentialVersion[i] = (await realStore.GetUserAsync(users[i]))!.CredentialVersion;
        }

        var violations = new ConcurrentQueue<string>();
        var contextsSeen = new ConcurrentDictionary<SecurityContext, byte>();
        var changesDone = 0;
        long logins = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var changes = Task.Run(async () =>
        {
            var random = new Random(193215);
            for (var change = 1; change <= Changes && !stop.IsCancellationRequested; change++)
            {
                var u = random.Next(Users);
                if (change % 10 == 0)
                {
                    // Same password, new hash: the credential version moves, sessions are revoked,
                    // and the right password must keep working.
                    await directory.SetPasswordAsync(users[u], Password);
                    var version = (await realStore.GetUserAsync(users[u]))!.CredentialVersion;
                    await watcher.PollAsync(CancellationToken.None);
                    Volatile.Write(ref credentialVersion[u], version);
                }
                else
                {
                    await directory.AddAliasAsync($"u{u}-gen{change}@example.test", users[u]);
                    await watcher.PollAsync(CancellationToken.None);
                    Volatile.Write(ref aliasGeneration[u], change);
                }
            }

            Volatile.Write(ref changesDone, 1);
        });

        var sessions = Enumerable.Range(0, Sessions).Select(s => Task.Run(async () =>
        {
            var random = new Random(s);
            try
            {
                for (var i = 0; i < MaxLoginsPerSession && Volatile.Read(ref changesDone) == 0 && !stop.IsCancellationRequested; i++)
                {
                    Interlocked.Increment(ref logins);
                    var u = random.Next(Users);
                    var generationBefore = Volatile.Read(ref aliasGeneration[u]);
                    var versionBefore = Volatile.Read(ref credentialVersion[u]);

                    var result = await authenticator.AuthenticateAsync(users[u], Password, IPAddress.Loopback);
                    if (!result.Succeeded || result.Session is null)
                    {
                        violations.Enqueue($"login {users[u]} with the right password: {result.Outcome}");
                        continue;
                    }

                    using var session = result.Session;
                    var context = session.Context;
                    contextsSeen.TryAdd(context, 0);
                    if (context.UserKey != users[u])
                    {
                        violations.Enqueue($"login {users[u]} got the context of {context.UserKey}");
                    }

                    var generation = Generation(context);
                    if (generation < generationBefore)
                    {
                        violations.Enqueue($"{users[u]}: context of alias generation {generation} handed out after generation {generationBefore} was invalidated (stale context resurrected)");
                    }

                    if (context.CredentialVersion < versionBefore)
                    {
                        violations.Enqueue($"{users[u]}: context of credential version {context.CredentialVersion} handed out after version {versionBefore} was revoked");
                    }

                    // Hold the session across yields while invalidations run: it keeps its context.
                    for (var y = random.Next(3); y > 0; y--)
                    {
                        await Task.Yield();
                    }

                    if (!ReferenceEquals(session.Context, context) || context.ActiveSessions < 1)
                    {
                        violations.Enqueue($"{users[u]}: a live session lost its context");
                    }
                }
            }
            catch (Exception ex)
            {
                violations.Enqueue($"session task {s} threw {ex.GetType().Name}: {ex.Message}");
            }
        })).ToArray();

        await changes.WaitAsync(TimeSpan.FromSeconds(150));
        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(30));
        stop.IsCancellationRequested.ShouldBeFalse("the torture finished within its bound");

        // Quiescent: one more login per user must see the newest state, and no session is left.
        for (var u = 0; u < Users; u++)
        {
            var result = await authenticator.AuthenticateAsync(users[u], Password, IPAddress.Loopback);
            result.Succeeded.ShouldBeTrue();
            using var session = result.Session!;
            Generation(session.Context).ShouldBe(aliasGeneration[u], $"{users[u]} after quiescence");
            session.Context.IsStale.ShouldBeFalse();
            session.Context.IsRevoked.ShouldBeFalse();
        }

        output.WriteLine($"{logins} logins, {await realStore.LatestChangeAsync()} directory changes, {contextsSeen.Count} distinct contexts, {hasher.Computations} PBKDF2 computations, {violations.Count} violations");
        violations.Count.ShouldBe(0, string.Join(Environment.NewLine, violations.Take(20)));
        contextsSeen.Keys.Where(c => c.ActiveSessions != 0).ShouldBeEmpty("every logout released its session");
        contextsSeen.Count.ShouldBeGreaterThan(Users, "the invalidations did rebuild contexts (the torture exercised the race)");
        cache.Count.ShouldBeLessThanOrEqualTo(Users);
    }

    private static long Generation(SecurityContext context) =>
        context.OwnedAddresses
            .Where(a => a.Contains("-gen", StringComparison.Ordinal))
            .Select(a => long.Parse(a[(a.IndexOf("-gen", StringComparison.Ordinal) + 4)..a.IndexOf('@', StringComparison.Ordinal)], CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0)
            .Max();
}
