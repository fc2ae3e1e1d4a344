namespace Interchange.Smtp.Client;

/// <summary>A user name and password for AUTH PLAIN or LOGIN at a smart host (RFC 4954). Never logged.</summary>
public sealed record SmtpClientCredentials(string UserName, string Password)
{
    public override string ToString() => $"{UserName} (password hidden)";
}
