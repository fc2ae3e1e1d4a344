namespace Interchange.Web.Autoconfig;

/// <summary>A parsed Autodiscover request: the address asked about, or the error to answer with.</summary>
public sealed record AutodiscoverRequest(string? EmailAddress, int? ErrorCode, string? ErrorMessage)
{
    public bool IsValid => ErrorCode is null;

    public static AutodiscoverRequest Invalid(int code, string message) => new(null, code, message);
}
