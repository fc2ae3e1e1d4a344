namespace Interchange.MailAuth.Spf;

/// <summary>Ends a check at once with an error result (RFC 7208 4.6, 4.6.4, 5: "check_host() terminates
/// immediately"). Thrown and caught inside the evaluator only; it never reaches a caller.</summary>
internal sealed class SpfTermination : Exception
{
    public SpfTermination()
    {
    }

    public SpfTermination(string message)
        : base(message)
    {
    }

    public SpfTermination(string message, Exception inner)
        : base(message, inner)
    {
    }

    public SpfTermination(SpfResult result, string message)
        : base(message)
    {
        Result = result;
    }

    public SpfTermination(SpfResult result, string message, Exception inner)
        : base(message, inner)
    {
        Result = result;
    }

    public SpfResult Result { get; } = SpfResult.PermError;
}
