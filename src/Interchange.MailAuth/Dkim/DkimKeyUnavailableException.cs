namespace Interchange.MailAuth.Dkim;

/// <summary>Thrown by the cached locator into MimeKit when a key cannot be had; caught around MimeKit, never escapes.</summary>
internal sealed class DkimKeyUnavailableException(DkimResult result, string message) : Exception(message)
{
    public DkimResult Result { get; } = result;
}
