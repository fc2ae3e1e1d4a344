namespace Interchange.Smtp.Extensions;

/// <summary>
/// An ESMTP extension: its EHLO keyword line in a session (null when not offered there) and the
/// commands it brings. The EHLO reply is computed from <see cref="SmtpExtensions.All"/>.
/// </summary>
public sealed record SmtpExtension(string Name, Func<Session.SmtpSession, string?> Keyword, IReadOnlyList<string> Commands);
