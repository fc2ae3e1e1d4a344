using System.CommandLine;
using System.Globalization;
using Interchange.Directory.Administration;
using Interchange.Server.Hosting;
using Interchange.Storage.Accounts;
using Interchange.Web.Security;

namespace Interchange.Server.Cli;

/// <summary>
/// API tokens: <c>token create|list|revoke</c>. The way in for the first administrator (the
/// first-run postmaster is one): <c>interchange token create postmaster@example.com</c> prints a
/// token for <c>Authorization: Bearer</c>; the API then makes more. Exit codes as the other admin
/// commands: 0 done, 1 refused, 2 malformed input.
/// </summary>
public static class TokenCommands
{
    public static IEnumerable<Command> Build(Option<string?> data)
    {
        yield return new Command("token", "Manage API tokens (the admin API's credentials).") { Create(data), List(data), Revoke(data) };
    }

    private static Command Create(Option<string?> data)
    {
        var user = AdminCommands.Address("user", "The user the token acts as (its role decides what the token may do)");
        var name = new Option<string?>("--name") { Description = "A label for the token (default: api)" };
        var expires = new Option<string?>("--expires") { Description = "When it stops working: a number of days (30d or 30) or a date (2027-01-31); default: never" };
        var create = new Command("create", "Create an API token and print it (once: only its hash is kept).") { user, name, expires };
        create.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var now = DateTimeOffset.UtcNow;
            var key = DirectoryService.ParseAddress(r.GetValue(user)!).Key;
            var (record, token) = await ApiTokenIssuer.IssueAsync(Tokens(s), key, r.GetValue(name), ParseExpiry(r.GetValue(expires), now), now, ct).ConfigureAwait(false);
            Console.WriteLine($"created token {record.Id} for {record.UserKey}{(record.ExpiresAt is { } at ? ", expires " + Time(at) : string.Empty)}");
            Console.WriteLine(token);
        }, ct));
        return create;
    }

    private static Command List(Option<string?> data)
    {
        var user = new Option<string?>("--user") { Description = "Only this user's tokens" };
        var list = new Command("list", "List API tokens (never their secrets).") { user };
        list.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var key = r.GetValue(user) is { } u ? DirectoryService.ParseAddress(u).Key : null;
            var tokens = await Tokens(s).ListTokensAsync(key, ct).ConfigureAwait(false);
            AdminCommands.Table(["ID", "USER", "NAME", "CREATED", "EXPIRES", "LAST USED"], tokens.Select(t => new[]
            {
                t.Id,
                t.UserKey,
                MailCommands.Printable(t.Name),
                Time(t.CreatedAt),
                t.ExpiresAt is { } e ? Time(e) : "never",
                t.LastUsedAt is { } l ? Time(l) : "-",
            }));
        }, ct));
        return list;
    }

    private static Command Revoke(Option<string?> data)
    {
        var id = new Argument<string>("id") { Description = "The token's id (token list shows it; the part after ixt_ of the token)" };
        var revoke = new Command("revoke", "Revoke an API token: it stops working at once.") { id };
        revoke.SetAction((r, ct) => AdminCommands.Run(r, data, async (s, _) =>
        {
            var given = r.GetValue(id)!.Trim();
            if (ApiTokenSecret.TryParse(given, out var parsed, out var unusedSecret))
            {
                given = parsed; // the whole token pasted: its id part
            }

            if (!await Tokens(s).RevokeTokenAsync(given, ct).ConfigureAwait(false))
            {
                throw new DirectoryStoreException(DirectoryStoreError.NotFound, $"no token {given}");
            }

            Console.WriteLine($"revoked token {given}");
        }, ct));
        return revoke;
    }

    private static IApiTokenStore Tokens(StoreServices store) =>
        store.DirectoryStore as IApiTokenStore ?? throw new InvalidOperationException("this store keeps no API tokens");

    private static DateTimeOffset? ParseExpiry(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var t = text.Trim();
        var days = t.EndsWith('d') ? t[..^1] : t;
        if (int.TryParse(days, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return n is >= 1 and <= 3650 ? now.AddDays(n) : throw new DirectoryInputException("--expires: between 1 and 3650 days");
        }

        return DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw new DirectoryInputException($"--expires: '{text}' is neither a number of days (30d) nor a date (2027-01-31)");
    }

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
