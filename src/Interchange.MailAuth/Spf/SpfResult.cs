namespace Interchange.MailAuth.Spf;

/// <summary>The result of an SPF check (RFC 7208 2.6), as <c>check_host()</c> returns it and as it is
/// written in <c>Authentication-Results</c> (RFC 8601 2.7.2: lower case).</summary>
public enum SpfResult
{
    /// <summary>No SPF record, or no valid domain to check (2.6.1).</summary>
    None,

    /// <summary>The domain states nothing about the address (2.6.2, <c>?all</c>).</summary>
    Neutral,

    /// <summary>The client is authorised (2.6.3).</summary>
    Pass,

    /// <summary>The client is explicitly not authorised (2.6.4, <c>-all</c>).</summary>
    Fail,

    /// <summary>Probably not authorised (2.6.5, <c>~all</c>).</summary>
    SoftFail,

    /// <summary>A transient (DNS) error; a later check may succeed (2.6.6).</summary>
    TempError,

    /// <summary>The record could not be interpreted, or a processing limit was exceeded (2.6.7).</summary>
    PermError,
}
