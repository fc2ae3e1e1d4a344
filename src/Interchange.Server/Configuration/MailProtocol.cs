namespace Interchange.Server.Configuration;

/// <summary>The listeners a server can open, with their standard ports and TLS mode.</summary>
public enum MailProtocol
{
    Smtp,
    Submission,
    Submissions,
    Imap,
    Imaps,
    Pop3,
    Pop3s,
    Http,
    Https,
}
