namespace Interchange.Server.Configuration;

public static class MailProtocols
{
    public static IReadOnlyList<MailProtocol> All { get; } = Enum.GetValues<MailProtocol>();

    public static string Name(this MailProtocol protocol) => protocol.ToString().ToLowerInvariant();

    public static int DefaultPort(this MailProtocol protocol) => protocol switch
    {
        MailProtocol.Smtp => 25,
        MailProtocol.Submission => 587,
        MailProtocol.Submissions => 465,
        MailProtocol.Imap => 143,
        MailProtocol.Imaps => 993,
        MailProtocol.Pop3 => 110,
        MailProtocol.Pop3s => 995,
        MailProtocol.Https => 443,
        _ => 8080,
    };

    /// <summary>Protocols whose connections start with a TLS handshake (RFC 8314 implicit TLS).</summary>
    public static bool IsImplicitTls(this MailProtocol protocol) =>
        protocol is MailProtocol.Submissions or MailProtocol.Imaps or MailProtocol.Pop3s or MailProtocol.Https;

    public static bool TryParse(string? name, out MailProtocol protocol)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                protocol = candidate;
                return true;
            }
        }

        protocol = default;
        return false;
    }
}
