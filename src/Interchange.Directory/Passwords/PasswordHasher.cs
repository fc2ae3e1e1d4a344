using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Interchange.Directory.Passwords;

/// <summary>
/// PBKDF2-HMAC-SHA256 password hashes in the self-describing form
/// <c>$pbkdf2-sha256$i=ITERATIONS$SALT$HASH</c> (base64, 16-byte salt, 32-byte hash). The
/// iteration count travels with the hash, so raising <see cref="Iterations"/> affects new hashes
/// and <see cref="Verify"/> reports old ones as needing a rehash. Salted SHA hashes from an LDAP
/// directory (<c>{SSHA}</c>, <c>{SSHA256}</c>, <c>{SSHA512}</c>: base64 of digest(password + salt)
/// followed by the salt, as OpenLDAP and Dovecot write them) verify too, so imported users keep
/// their passwords; they always report a rehash as needed.
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
        if (TryParseSaltedSha(stored, out var algorithm, out var ldapSalt, out var ldapDigest))
        {
            var computed = SaltedSha(algorithm, password, ldapSalt);
            return CryptographicOperations.FixedTimeEquals(computed, ldapDigest) ? PasswordVerification.SucceededRehashNeeded : PasswordVerification.Failed;
        }

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

    /// <summary>A hash <see cref="Verify"/> can check: ours, or an LDAP salted SHA (an import takes either).</summary>
    public static bool IsSupported(string? stored) => IsWellFormed(stored) || TryParseSaltedSha(stored, out _, out _, out _);

    private static byte[] SaltedSha(HashAlgorithmName algorithm, string password, byte[] salt)
    {
        var input = Encoding.UTF8.GetBytes(password).Concat(salt).ToArray();
#pragma warning disable CA5350 // {SSHA} is SHA-1 by definition: verifying an imported hash, never making one (a login with it is reported as needing a rehash).
        return algorithm == HashAlgorithmName.SHA1 ? SHA1.HashData(input)
#pragma warning restore CA5350
            : algorithm == HashAlgorithmName.SHA256 ? SHA256.HashData(input)
            : SHA512.HashData(input);
    }

    private static bool TryParseSaltedSha(string? stored, out HashAlgorithmName algorithm, out byte[] salt, out byte[] digest)
    {
        algorithm = default;
        salt = digest = [];
        if (stored is null || !stored.StartsWith('{'))
        {
            return false;
        }

        var close = stored.IndexOf('}', StringComparison.Ordinal);
        int length;
        switch (close < 0 ? "" : stored[1..close].ToUpperInvariant())
        {
            case "SSHA": (algorithm, length) = (HashAlgorithmName.SHA1, 20); break;
            case "SSHA256": (algorithm, length) = (HashAlgorithmName.SHA256, 32); break;
            case "SSHA512": (algorithm, length) = (HashAlgorithmName.SHA512, 64); break;
            default: return false;
        }

        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(stored[(close + 1)..]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (raw.Length < length + 4)
        {
            return false; // no salt (or a few bytes of one): not a salted hash
        }

        digest = raw[..length];
        salt = raw[length..];
        return true;
    }

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
