namespace Interchange.Transport.Bounces;

/// <summary>Whether a recipient's NOTIFY (RFC 3461 4.1) asks for a report of an action.</summary>
public static class DsnNotify
{
    /// <summary>
    /// NEVER: no report of anything. A list: only the kinds it names (FAILURE, DELAY, SUCCESS).
    /// Not given: failures, and delays when <paramref name="delayWarningsByDefault"/> (RFC 3461
    /// 4.1 leaves "FAILURE" or "FAILURE,DELAY" to the MTA; we follow Transport:DelayWarningAfter).
    /// Relayed and expanded are success reports (RFC 3461 5.2.2, 5.2.7).
    /// </summary>
    public static bool Requests(string? notify, DsnAction action, bool delayWarningsByDefault)
    {
        if (string.IsNullOrWhiteSpace(notify))
        {
            return action == DsnAction.Failed || (action == DsnAction.Delayed && delayWarningsByDefault);
        }

        var wanted = action switch
        {
            DsnAction.Failed => "FAILURE",
            DsnAction.Delayed => "DELAY",
            _ => "SUCCESS",
        };
        foreach (var item in notify.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (item.Equals("NEVER", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            if (item.Equals(wanted, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
