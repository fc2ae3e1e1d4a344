using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Interchange.Smtp.Client;

/// <summary>
/// Decides whether a peer's certificate is authenticated, in place of the PKIX check
/// (<see cref="SmtpClientOptions.PeerValidator"/>): DANE (RFC 7672) matches TLSA records instead of
/// trusting certification authorities. Called during the handshake; must not block.
/// </summary>
public interface IPeerCertificateValidator
{
    /// <param name="hostName">The host the session is for (the MX name).</param>
    /// <param name="certificate">The peer's end-entity certificate.</param>
    /// <param name="chain">The chain the platform built; its <c>ChainPolicy.ExtraStore</c> holds the certificates the peer sent.</param>
    /// <param name="errors">What the platform's own (PKIX) check found.</param>
    PeerCertificateVerdict Validate(string hostName, X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors);
}
