namespace Interchange.Web.Api;

/// <summary>A request the API refuses with <paramref name="status"/> and a message for the client (written as problem details).</summary>
public sealed class ApiException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
