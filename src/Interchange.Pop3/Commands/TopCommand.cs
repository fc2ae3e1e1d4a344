using System.Globalization;
using Interchange.Pop3.Session;

namespace Interchange.Pop3.Commands;

/// <summary>TOP (RFC 1939 7): the header and the first n body lines.</summary>
internal static class TopCommand
{
    public static async ValueTask ExecuteAsync(Pop3Session session, string argument)
    {
        var parts = argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var lines))
        {
            session.Error("Usage: TOP msg n");
            return;
        }

        await RetrCommand.SendAsync(session, parts[0], lines).ConfigureAwait(false);
    }
}
