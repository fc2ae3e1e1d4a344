using System.Globalization;

namespace Interchange.Smtp.Extensions;

/// <summary>The extensions this server implements, in the order EHLO lists them.</summary>
public static class SmtpExtensions
{
    public static IReadOnlyList<SmtpExtension> All { get; } =
    [
        new("PIPELINING", _ => "PIPELINING", []),                                         // RFC 2920
        new("SIZE", s => "SIZE " + s.Options.MaxMessageSize.ToString(CultureInfo.InvariantCulture), []), // RFC 1870
        new("8BITMIME", _ => "8BITMIME", []),                                              // RFC 6152
        new("SMTPUTF8", _ => "SMTPUTF8", []),                                              // RFC 6531
        new("ENHANCEDSTATUSCODES", _ => "ENHANCEDSTATUSCODES", []),                        // RFC 2034
        new("STARTTLS", s => s.CanStartTls ? "STARTTLS" : null, ["STARTTLS"]),            // RFC 3207
        new("AUTH", s => s.CanAuthenticate ? "AUTH PLAIN LOGIN" : null, ["AUTH"]),        // RFC 4954
        new("CHUNKING", _ => "CHUNKING", ["BDAT"]),                                        // RFC 3030
        new("DSN", _ => "DSN", []),                                                        // RFC 3461
    ];

    /// <summary>Is a command of an extension not offered in this session (AUTH before TLS, STARTTLS under TLS)?</summary>
    public static bool IsWithheld(string verb, Session.SmtpSession session) =>
        All.Any(e => e.Commands.Contains(verb, StringComparer.OrdinalIgnoreCase) && e.Keyword(session) is null);
}
