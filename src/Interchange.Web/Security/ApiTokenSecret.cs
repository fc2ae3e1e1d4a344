using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Interchange.Web.Security;

/// <summary>
/// The shape of an API token, <c>ixt_ID_SECRET</c>: a random id (the row's key, safe to show and
/// log) and a 256-bit random secret (base64url). Only SHA-256 of the secret is stored: for a
/// secret of that entropy a slow password hash buys nothing, and a fast one keeps every request
/// cheap. Comparison is constant-time.
/// </summary>
public static class ApiTokenSecret
{
    public const string Prefix = "ixt_";

    private const int IdBytes = 9;      // 18 hex digits
    private const int SecretBytes = 32; // 256 bits

    /// <summary>A new token: its id, the whole token to hand out once, and the hash to store.</summary>
    public static (string Id, string Token, string Hash) Create()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        return (id, $"{Prefix}{id}_{secret}", Hash(secret));
    }

    /// <summary>Splits a presented token; false when it is not of our shape (bounded length: a huge header is refused before hashing).</summary>
    public static bool TryParse(string? token, [NotNullWhen(true)] out string? id, [NotNullWhen(true)] out string? secret)
    {
        id = null;
        secret = null;
        if (token is null || token.Length > 128 || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = token.AsSpan(Prefix.Length);
        var cut = rest.IndexOf('_');
        if (cut != IdBytes * 2 || !IsHex(rest[..cut]) || rest.Length - cut - 1 < 32)
        {
            return false;
        }

        id = rest[..cut].ToString();
        secret = rest[(cut + 1)..].ToString();
        return true;
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Does <paramref name="secret"/> hash to <paramref name="storedHash"/>? In constant time for equal lengths.</summary>
    public static bool Matches(string secret, string storedHash)
    {
        var presented = Encoding.ASCII.GetBytes(Hash(secret));
        var stored = Encoding.ASCII.GetBytes(storedHash);
        return CryptographicOperations.FixedTimeEquals(presented, stored);
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
