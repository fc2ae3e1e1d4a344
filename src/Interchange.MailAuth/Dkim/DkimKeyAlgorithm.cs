namespace Interchange.MailAuth.Dkim;

/// <summary>The key types DKIM defines: RSA (RFC 6376 3.3.1, rsa-sha256) and Ed25519 (RFC 8463, ed25519-sha256).</summary>
public enum DkimKeyAlgorithm
{
    Rsa,
    Ed25519,
}
