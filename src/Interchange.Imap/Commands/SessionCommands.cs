using Interchange.Imap.Protocol;
using Interchange.Imap.Session;

namespace Interchange.Imap.Commands;

/// <summary>Commands about the session itself: CAPABILITY, NOOP/CHECK, LOGOUT, ID (RFC 2971), ENABLE (RFC 5161), NAMESPACE (RFC 2342), STARTTLS.</summary>
internal static class SessionCommands
{
    public static void Capability(ImapSession session, ImapCommand command)
    {
        session.Out.Untagged().Atom("CAPABILITY");
        foreach (var capability in session.Capabilities())
        {
            session.Out.Atom(capability); // a space-separated list, not parenthesised (RFC 3501 7.2.1)
        }

        session.Out.EndLine();
        session.Ok(command, "CAPABILITY completed");
    }

    public static async ValueTask NoopAsync(ImapSession session, ImapCommand command)
    {
        await SelectionCommands.ReportChangesAsync(session, allowExpunge: true).ConfigureAwait(false);
        session.Ok(command, $"{command.Name} completed");
    }

    public static void Logout(ImapSession session, ImapCommand command)
    {
        session.Out.UntaggedStatus(ImapStatus.Bye, "Logging out");
        session.Ok(command, "LOGOUT completed");
        session.State = ImapState.Logout;
        session.Close();
    }

    public static void Id(ImapSession session, ImapCommand command)
    {
        session.Out.Untagged().Atom("ID").BeginList().String("name").String("Interchange").EndList().EndLine();
        session.Ok(command, "ID completed");
    }

    public static void Namespace(ImapSession session, ImapCommand command)
    {
        session.Out.Untagged().Atom("NAMESPACE").BeginList().BeginList().String(string.Empty).String("/").EndList().EndList().Nil().Nil().EndLine();
        session.Ok(command, "NAMESPACE completed");
    }

    public static void Enable(ImapSession session, ImapCommand command)
    {
        var enabled = new List<string>();
        foreach (var argument in command.Arguments)
        {
            var name = argument.Text.ToUpperInvariant();
            switch (name)
            {
                case "UTF8=ACCEPT":
                    session.Utf8Accept = true;
                    session.Out.Utf8Accept = true;
                    enabled.Add(name);
                    break;
                case "CONDSTORE":
                    session.CondStore = true;
                    enabled.Add(name);
                    break;
                case "IMAP4REV2":
                    session.Rev2 = true;
                    enabled.Add("IMAP4rev2");
                    break;
            }
        }

        session.Out.Untagged().Atom("ENABLED");
        foreach (var name in enabled)
        {
            session.Out.Atom(name);
        }

        session.Out.EndLine();
        session.Ok(command, "ENABLE completed");
    }

    public static async ValueTask StartTlsAsync(ImapSession session, ImapCommand command)
    {
        if (session.IsTls || session.Services.Certificate is null)
        {
            session.Bad(command, session.IsTls ? "TLS is already active" : "TLS is not available");
            return;
        }

        session.Ok(command, "Begin TLS negotiation now");
        await session.Output.FlushAsync(session.ConnectionClosed).ConfigureAwait(false);
        session.StartTlsAfterReply();
    }
}
