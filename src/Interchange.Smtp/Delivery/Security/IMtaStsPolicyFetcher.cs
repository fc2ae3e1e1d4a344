namespace Interchange.Smtp.Delivery.Security;

/// <summary>Fetches a domain's MTA-STS policy (RFC 8461 3.3); never throws but for the caller's cancellation.</summary>
public interface IMtaStsPolicyFetcher
{
    Task<MtaStsFetchResult> FetchAsync(string domain, CancellationToken cancellationToken);
}
