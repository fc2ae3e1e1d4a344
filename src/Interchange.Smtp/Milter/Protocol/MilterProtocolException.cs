namespace Interchange.Smtp.Milter.Protocol;

/// <summary>The milter broke the protocol (a malformed or unexpected packet, an oversized one, a reply
/// out of place). Never leaves the milter session: it becomes the milter's default action.</summary>
public sealed class MilterProtocolException : Exception
{
    public MilterProtocolException()
    {
    }

    public MilterProtocolException(string message)
        : base(message)
    {
    }

    public MilterProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
