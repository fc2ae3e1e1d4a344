using System.Text;
using Interchange.Smtp.Filters;
using Interchange.Testing.Milter;

namespace Interchange.IntegrationTests.Milter;

/// <summary>One SMTP transaction through a filter, without an SMTP server: the stages in the order
/// the session calls them, stopping at the first verdict that ends the transaction.</summary>
public sealed record MilterRun(SmtpFilterVerdict Verdict, string Stage, SmtpFilterMessage Message)
{
    public static async Task<MilterRun> RunAsync(ISmtpFilter filter, TestFilterConnection connection, string sender, IReadOnlyList<string> recipients, string content, CancellationToken cancellationToken = default)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var message = await SmtpFilterMessage.ReadAsync(() => new MemoryStream(bytes, writable: false), sender, recipients, cancellationToken);
        var session = filter.Open(connection) ?? throw new InvalidOperationException($"{filter.Name} does not apply to {connection.Listener}");
        await using (session)
        {
            var verdict = await session.ConnectAsync(cancellationToken);
            if (verdict.Kind != SmtpFilterVerdictKind.Continue)
            {
                return new MilterRun(verdict, "connect", message);
            }

            verdict = await session.HeloAsync(connection.HeloName ?? "client.example", cancellationToken);
            if (verdict.Kind != SmtpFilterVerdictKind.Continue)
            {
                return new MilterRun(verdict, "helo", message);
            }

            verdict = await session.MailAsync(sender, [], cancellationToken);
            if (verdict.Kind != SmtpFilterVerdictKind.Continue)
            {
                return new MilterRun(verdict, "mail", message);
            }

            foreach (var recipient in recipients)
            {
                verdict = await session.RecipientAsync(recipient, [], cancellationToken);
                if (verdict.Kind != SmtpFilterVerdictKind.Continue)
                {
                    return new MilterRun(verdict, "rcpt", message);
                }
            }

            return new MilterRun(await session.MessageAsync(message, cancellationToken), "message", message);
        }
    }

    /// <summary>The message as it now stands, as text.</summary>
    public string Content()
    {
        using var reader = new StreamReader(Message.OpenRead(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The values of the fields named <paramref name="name"/>, unfolded.</summary>
    public IReadOnlyList<string> Fields(string name) =>
        Message.Headers.Where(h => h.Is(name)).Select(h => h.Value.Replace("\r\n", string.Empty, StringComparison.Ordinal).Trim()).ToList();
}
