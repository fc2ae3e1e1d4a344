namespace Interchange.MailAuth.Dkim;

/// <summary>A key store operation refused: no such key or domain, a duplicate selector, bad input.</summary>
public sealed class DkimKeyStoreException : Exception
{
    public DkimKeyStoreException()
    {
    }

    public DkimKeyStoreException(string message)
        : base(message)
    {
    }

    public DkimKeyStoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
