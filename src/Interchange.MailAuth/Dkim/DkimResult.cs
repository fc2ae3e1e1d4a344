namespace Interchange.MailAuth.Dkim;

/// <summary>The result of verifying one DKIM signature, as RFC 8601 2.7.1 names them (lower case in
/// <c>Authentication-Results</c>).</summary>
public enum DkimResult
{
    /// <summary>The message was not signed.</summary>
    None,

    /// <summary>The signature verified.</summary>
    Pass,

    /// <summary>The signature was acceptable but did not verify: the body hash or the header signature differ.</summary>
    Fail,

    /// <summary>Signed, but not verified: a signature beyond <c>MaxSignatures</c> (RFC 6376 6.1 lets a verifier ignore it).</summary>
    Neutral,

    /// <summary>Signed, but not acceptable to us: rsa-sha1 or an RSA key under 1024 bits (RFC 8301 3.1, 3.2).</summary>
    Policy,

    /// <summary>The key could not be fetched for now: a DNS timeout or SERVFAIL (RFC 6376 6.1.2 TEMPFAIL).</summary>
    TempError,

    /// <summary>Cannot ever verify: a malformed field, no key, a malformed or revoked key (RFC 6376 6.1.1, 6.1.2 PERMFAIL).</summary>
    PermError,
}
