using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Interchange.Directory.Passwords;

/// <summary>
/// PBKDF2-HMAC-SHA256 password hashes in the self-describing form
/// <c>$pbkdf2-sha256$i=ITERATIONS$SALT$HASH</c> (base64, 16-byte salt, 32-byte hash). The
/// iteration count travels with the hash, so raising <see cref="Iterations"/> affects new hashes
/// and <see cref="Verify"/> reports old ones as needing a rehash.
/// </summary>
public sealed class PasswordHasher
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA256.</summary>
    public const int DefaultIterations = 600_000;

    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private static readonly Meter s_meter = new("Interchange.Directory");
    private static readonly Counter<long> s_computations = s_meter.CreateCounter<long>("interchange.auth.pbkdf2_computations", description: "PBKDF2 password computations");

    private long _computations;

    public PasswordHasher(int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        Iterations = iterations;
    }

    public int Iterations { get; }

    /// <summary>How many PBKDF2 computations this hasher has run (hashing and verifying).</summary>
    public long Computations => Interlocked.Read(ref _computations);

    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, Iterations);
        return $"${Scheme}$i={Iterations.ToString(CultureInfo.InvariantCulture)}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>Checks a password against a stored hash in constant time. A malformed hash never verifies.</summary>
    public PasswordVerification Verify(string password, string? stored)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryParse(stored, out var iterations, out var salt, out var expected))
        {
            // Spend the same work as a real check so that a missing user is not told apart by time.
            Derive(password, new byte[SaltBytes], Iterations);
            return PasswordVerification.Failed;
        }

        var actual = Derive(password, salt, iterations);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordVerification.Failed;
        }

        return iterations < Iterations ? PasswordVerification.SucceededRehashNeeded : PasswordVerification.Succeeded;
    }

    public static bool IsWellFormed(string? stored) => TryParse(stored, out _, out _, out _);

    private byte[] Derive(string password, byte[] salt, int iterations)
    {
        Interlocked.Increment(ref _computations);
        s_computations.Add(1);
        return Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
    }

    private static bool TryParse(string? stored, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = stored?.Split('$');
        if (parts is not { Length: 5 } || parts[0].Length != 0 || parts[1] != Scheme || !parts[2].StartsWith("i=", StringComparison.Ordinal)
            || !int.TryParse(parts[2].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[3]);
            hash = Convert.FromBase64String(parts[4]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 8 && hash.Length == HashBytes;
    }
}
