using System.CommandLine;
using System.Globalization;
using Interchange.MailAuth.Dkim;
using Interchange.Server.Hosting;

namespace Interchange.Server.Cli;

/// <summary>
/// DKIM keys (docs/DKIM.md): <c>dkim generate|list|rotate|remove</c>. Keys live in
/// <c>DATA/dkim</c> (<see cref="DkimKeyStore"/>); a running server picks changes up within
/// <c>Dkim:ReloadInterval</c>. Only local domains get keys. The private key is never printed:
/// what is shown is the DNS record to publish. Exit codes as the other admin commands: 0 done,
/// 1 refused, 2 malformed input.
/// </summary>
public static class DkimCommands
{
    public static IEnumerable<Command> Build(Option<string?> data)
    {
        yield return new Command("dkim", "Manage the DKIM keys that sign mail from local domains (docs/DKIM.md).")
        {
            Generate(data), List(data), Rotate(data), Remove(data),
        };
    }

    private static Command Generate(Option<string?> data)
    {
        var domain = new Argument<string>("domain") { Description = "A local domain" };
        var selector = new Option<string?>("--selector", "-s") { Description = "The selector (default: s<yyyyMM> for RSA, e<yyyyMM> for Ed25519)" };
        var algorithm = AlgorithmOption("rsa (default) or ed25519");
        var bits = new Option<int>("--bits") { Description = "RSA key size, 1024 to 4096 (default 2048)", DefaultValueFactory = _ => DkimKeyStore.DefaultRsaBits };
        var inactive = new Option<bool>("--inactive") { Description = "Store the key without signing with it (activate with 'dkim rotate DOMAIN --to SELECTOR' once its record is published)" };
        var generate = new Command("generate", "Make a key for a local domain and print the DNS TXT record to publish. It signs at once if the domain has no active key of its algorithm.")
        {
            domain, selector, algorithm, bits, inactive,
        };
        generate.SetAction(async (r, ct) =>
        {
            if (!TryAlgorithm(r.GetValue(algorithm), out var parsed))
            {
                return ExitCodes.Usage;
            }

            return await AdminCommands.Run(r, data, async (s, _) =>
            {
                var name = await LocalDomainAsync(s, r.GetValue(domain)!, ct).ConfigureAwait(false);
                var keys = Keys(r, data);
                var key = Change(() => keys.Generate(name, r.GetValue(selector), parsed, r.GetValue(bits), DateTimeOffset.UtcNow, r.GetValue(inactive) ? false : null));
                Console.WriteLine($"generated {Describe(key)} key {key.Selector} for {key.Domain}{(key.Active ? ", active" : ", not active")}");
                Console.WriteLine($"Publish this TXT record in the DNS of {key.Domain}:");
                Console.WriteLine(key.Record.ZoneLine);
                if (!key.Active)
                {
                    var current = keys.List(name).FirstOrDefault(k => k.Active && k.Algorithm == key.Algorithm);
                    Console.WriteLine($"{key.Domain} signs with {current?.Selector ?? "another key"} until you run, once the record is visible (dig +short TXT {key.Record.Name}):");
                    Console.WriteLine($"  interchange dkim rotate {key.Domain} --to {key.Selector}");
                }
                else
                {
                    Console.WriteLine($"Mail from {key.Domain} is signed with it from now on: until the record is visible, receivers find no key (DKIM 'permerror'; check with: dig +short TXT {key.Record.Name}).");
                }
            }, ct).ConfigureAwait(false);
        });
        return generate;
    }

    private static Command List(Option<string?> data)
    {
        var domain = new Option<string?>("--domain") { Description = "Only this domain" };
        var list = new Command("list", "List the keys: domain, selector, algorithm, created, active, and each key's DNS record (never the private key).") { domain };
        list.SetAction((r, ct) => AdminCommands.Run(r, data, (s, _) =>
        {
            var keys = Change(() => Keys(r, data).List(r.GetValue(domain)));
            if (Console.IsOutputRedirected)
            {
                // For scripts: one key per line, tab-separated, the record's value last.
                foreach (var k in keys)
                {
                    Console.WriteLine(string.Join('\t', k.Domain, k.Selector, Describe(k), Created(k), k.Active ? "active" : "inactive", k.Record.Value));
                }

                return Task.CompletedTask;
            }

            AdminCommands.Table(["DOMAIN", "SELECTOR", "ALGORITHM", "CREATED", "ACTIVE"], keys.Select(k => new[] { k.Domain, k.Selector, Describe(k), Created(k), k.Active ? "yes" : "no" }));
            foreach (var k in keys)
            {
                Console.WriteLine();
                Console.WriteLine(k.Record.ZoneLine);
            }

            return Task.CompletedTask;
        }, ct));
        return list;
    }

    private static Command Rotate(Option<string?> data)
    {
        var domain = new Argument<string>("domain") { Description = "A local domain" };
        var to = new Option<string?>("--to") { Description = "Activate this stored key (made with 'dkim generate --inactive' and published) instead of making a new one" };
        var algorithm = AlgorithmOption("Which of the domain's keys to replace when it has both (default rsa)");
        var rotate = new Command("rotate", "Sign with a new key from now on; the old key is kept (its record stays published) until 'dkim remove'.") { domain, to, algorithm };
        rotate.SetAction(async (r, ct) =>
        {
            if (!TryAlgorithm(r.GetValue(algorithm), out var parsed))
            {
                return ExitCodes.Usage;
            }

            return await AdminCommands.Run(r, data, async (s, _) =>
            {
                var name = await LocalDomainAsync(s, r.GetValue(domain)!, ct).ConfigureAwait(false);
                var keys = Keys(r, data);
                DkimKeyInfo activated;
                DkimKeyInfo? replaced;
                if (r.GetValue(to) is { } selector)
                {
                    (activated, replaced) = Change(() => keys.Activate(name, selector));
                }
                else
                {
                    var existing = Change(() => keys.List(name));
                    // Without --algorithm: the RSA key when there is one, else the only active key.
                    var old = existing.Where(k => k.Active && (r.GetValue(algorithm) is null || k.Algorithm == parsed)).OrderBy(k => k.Algorithm).FirstOrDefault()
                        ?? throw new InvalidOperationException($"{name} has no active {(r.GetValue(algorithm) is null ? string.Empty : r.GetValue(algorithm) + " ")}key to rotate (make one with 'interchange dkim generate {name}')");
                    var made = Change(() => keys.Generate(name, null, old.Algorithm, old.Algorithm == DkimKeyAlgorithm.Rsa ? old.Bits : DkimKeyStore.DefaultRsaBits, DateTimeOffset.UtcNow, activate: true));
                    (activated, replaced) = (made, old);
                    Console.WriteLine("Publish this TXT record now (mail signed before it is visible fails DKIM; to avoid that, next time: 'dkim generate --inactive', publish, then 'dkim rotate --to'):");
                    Console.WriteLine(made.Record.ZoneLine);
                }

                Console.WriteLine($"{name} now signs with {activated.Selector} ({Describe(activated)})");
                if (replaced is not null)
                {
                    Console.WriteLine($"The old key {replaced.Selector} no longer signs but is kept: leave its record published for a few days (mail in transit carries its signatures), then:");
                    Console.WriteLine($"  interchange dkim remove {name} {replaced.Selector}");
                }
            }, ct).ConfigureAwait(false);
        });
        return rotate;
    }

    private static Command Remove(Option<string?> data)
    {
        var domain = new Argument<string>("domain") { Description = "The key's domain" };
        var selector = new Argument<string>("selector") { Description = "The key's selector" };
        var remove = new Command("remove", "Delete a key (an active one stops signing); then remove its record from the DNS.") { domain, selector };
        remove.SetAction((r, ct) => AdminCommands.Run(r, data, (s, _) =>
        {
            var removed = Change(() => Keys(r, data).Remove(r.GetValue(domain)!, r.GetValue(selector)!));
            Console.WriteLine($"removed key {removed.Selector} of {removed.Domain}{(removed.Active ? " (it was active: mail from the domain is no longer signed with it)" : string.Empty)}; the record {removed.Record.Name} can go from the DNS");
            return Task.CompletedTask;
        }, ct));
        return remove;
    }

    private static DkimKeyStore Keys(ParseResult result, Option<string?> data) => DkimKeyStore.InDataFolder(DataFolder.Resolve(result.GetValue(data)).Root);

    private static async Task<string> LocalDomainAsync(StoreServices store, string domain, CancellationToken cancellationToken)
    {
        var name = Change(() => DkimKeyStore.Canonical(domain));
        if (!await store.DirectoryStore.DomainExistsAsync(name, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"{name} is not a local domain (see 'interchange domain list'): only mail from local domains is signed");
        }

        return name;
    }

    private static Option<string?> AlgorithmOption(string description) => new("--algorithm", "-a") { Description = description };

    private static bool TryAlgorithm(string? text, out DkimKeyAlgorithm algorithm)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "rsa":
                algorithm = DkimKeyAlgorithm.Rsa;
                return true;
            case "ed25519":
                algorithm = DkimKeyAlgorithm.Ed25519;
                return true;
            default:
                Console.Error.WriteLine($"interchange: --algorithm {text}: rsa or ed25519");
                algorithm = default;
                return false;
        }
    }

    /// <summary>A key store refusal as the admin commands report one (exit 1, one line).</summary>
    private static T Change<T>(Func<T> change)
    {
        try
        {
            return change();
        }
        catch (DkimKeyStoreException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    private static string Describe(DkimKeyInfo key) =>
        key.Algorithm == DkimKeyAlgorithm.Ed25519 ? "ed25519" : "rsa-" + key.Bits.ToString(CultureInfo.InvariantCulture);

    private static string Created(DkimKeyInfo key) => key.Created.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
