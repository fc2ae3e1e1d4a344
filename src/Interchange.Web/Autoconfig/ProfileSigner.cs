using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace Interchange.Web.Autoconfig;

/// <summary>
/// Signs a configuration profile with the server's TLS certificate: a CMS SignedData (RFC 5652)
/// carrying the profile, DER-encoded, which is the signed form Apple devices install (they show
/// the signer, and "Verified" when they trust its chain). Without a private key the profile is
/// served unsigned.
/// </summary>
public sealed class ProfileSigner(X509Certificate2? certificate)
{
    public bool CanSign => certificate?.HasPrivateKey == true;

    /// <summary>The signed profile, or <paramref name="profile"/> itself when there is no key to sign with.</summary>
    public byte[] Sign(byte[] profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (!CanSign)
        {
            return profile;
        }

        var signed = new SignedCms(new ContentInfo(profile), detached: false);
        signed.ComputeSignature(new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, certificate) { IncludeOption = X509IncludeOption.EndCertOnly });
        return signed.Encode();
    }
}
