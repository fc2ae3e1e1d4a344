namespace Interchange.Smtp.Protocol;

/// <summary>What the guards of <see cref="SmtpStateTable"/> may ask of a session.</summary>
public interface ISmtpSessionFacts
{
    bool IsTls { get; }

    bool IsAuthenticated { get; }
}
