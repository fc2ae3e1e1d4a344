using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>STLS (RFC 2595 4).</summary>
internal static class StlsCommand
{
    public static async ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        if (!session.CanStartTls)
        {
            session.Error(session.IsTls ? "Already using TLS" : "TLS not available");
            return;
        }

        // RFC 2595 4: nothing sent before the handshake counts. Discard it before the +OK leaves: after
        // that, what arrives may already be the client's ClientHello, and discarding it would leave
        // the handshake waiting (seen under load as a client's handshake timing out).
        session.Transport.DiscardBuffered();
        session.Send("+OK Begin TLS negotiation");
        await session.FlushAsync().ConfigureAwait(false); // the client must see it before the handshake starts
        await session.Transport.StartTlsAsServerAsync(session.Certificate!).ConfigureAwait(false);
        session.PendingUser = null;
    }
}
