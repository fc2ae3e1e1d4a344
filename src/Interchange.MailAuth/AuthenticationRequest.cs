using System.Net;

namespace Interchange.MailAuth;

/// <summary>What verification needs of one received message.</summary>
/// <param name="ClientAddress">The SMTP client's address (SPF).</param>
/// <param name="Helo">The HELO/EHLO argument as given.</param>
/// <param name="MailFrom">The MAIL FROM address, empty for the null reverse-path.</param>
/// <param name="Message">The message as stored (our Received field first), readable and seekable; read from
/// position 0, its position afterwards is unspecified. It must stay open until the verdict is returned.</param>
/// <param name="AuthservId">Our authserv-id (RFC 8601 2.5: usually the host name) for the A-R field.</param>
public sealed record AuthenticationRequest(IPAddress ClientAddress, string Helo, string MailFrom, Stream Message, string AuthservId);
