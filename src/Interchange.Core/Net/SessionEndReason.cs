namespace Interchange.Core.Net;

/// <summary>Why a session was told to end (<see cref="SessionControl.Reason"/>); each protocol words it its own way.</summary>
public enum SessionEndReason
{
    None,

    /// <summary>Not authenticated by the deadline set at connect (a client dripping bytes does not move it).</summary>
    LoginTimeout,

    /// <summary>The next command (or the rest of the current one) did not arrive in time.</summary>
    CommandTimeout,

    /// <summary>A whole phase (SMTP: from connect or the last message to the next DATA/BDAT) took too long.</summary>
    TransactionTimeout,

    /// <summary>Data (SMTP DATA/BDAT, an IMAP literal) arrived, or a long response (POP3 RETR, IMAP FETCH) was taken, slower than the minimum rate after its grace period.</summary>
    DataRateTooLow,

    /// <summary>The user's password changed, or the account was disabled or removed.</summary>
    CredentialsRevoked,

    ServerStopping,

    /// <summary>An administrator ended it (admin API, console: as <c>doveadm kick</c>).</summary>
    EndedByAdministrator,

    ConnectionClosed,
}
