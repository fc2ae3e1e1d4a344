using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>UIDL (RFC 1939 7): the IMAP UID and UIDVALIDITY in Dovecot's format, so stable across sessions and shared with IMAP.</summary>
internal static class UidlCommand
{
    public static ValueTask ExecuteAsync(Pop3Session session, string argument) =>
        ListCommand.ListAsync(session, argument, (number, message) => $"{number} {message.Uid:X8}{session.Maildrop!.UidValidity:X8}");
}
