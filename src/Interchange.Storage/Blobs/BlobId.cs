using System.Security.Cryptography;

namespace Interchange.Storage.Blobs;

/// <summary>The address of an immutable blob: the lower-case hex SHA-256 of its bytes.</summary>
public readonly record struct BlobId
{
    private BlobId(string hex) => Hex = hex;

    public string Hex { get; }

    public override string ToString() => Hex;

    public static BlobId FromHash(ReadOnlySpan<byte> sha256) =>
        sha256.Length == SHA256.HashSizeInBytes
            ? new BlobId(Convert.ToHexStringLower(sha256))
            : throw new ArgumentException("a SHA-256 hash has 32 bytes", nameof(sha256));

    public static BlobId Of(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    public static bool TryParse(string? text, out BlobId id)
    {
        id = default;
        if (text is null || text.Length != 64 || !text.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            return false;
        }

        id = new BlobId(text);
        return true;
    }
}
