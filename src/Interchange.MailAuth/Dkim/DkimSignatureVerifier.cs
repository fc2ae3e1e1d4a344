using System.Globalization;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace Interchange.MailAuth.Dkim;

/// <summary>
/// Verifies the DKIM-Signature fields of a message (RFC 6376 6.1, RFC 8463), each to one result of RFC
/// 8601 2.7.1. We check the field's tags (6.1.1) and fetch and check the key (6.1.2) ourselves, so each
/// problem gets its own result; MimeKit's <see cref="DkimVerifier"/> then does the hashing and the
/// signature (6.1.3). Never throws except for the caller's cancellation.
/// </summary>
public sealed class DkimSignatureVerifier
{
    private static readonly string[] Required = ["v", "a", "b", "bh", "d", "h", "s"];

    private static readonly DkimPublicKey NotLookedUp = DkimPublicKey.Failed(DkimResult.None, "not looked up");

    private readonly DkimKeyCache _keys;
    private readonly DkimOptions _options;
    private readonly TimeProvider _time;

    public DkimSignatureVerifier(DkimKeyCache keys, DkimOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(options);
        _keys = keys;
        _options = options;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>One result per DKIM-Signature field, in the order of the fields; empty when unsigned.</summary>
    public async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var fields = message.Headers.Where(h => h.Id == HeaderId.DkimSignature).ToList();
        var checks = new List<Check>(fields.Count);
        foreach (var (field, index) in fields.Select((f, i) => (f, i)))
        {
            checks.Add(index < _options.MaxSignatures ? Inspect(field) : Check.Done(field, TagList.TryParse(field.Value, out var parsed, out _) ? parsed : null, DkimResult.Neutral, $"not verified: over the limit of {_options.MaxSignatures} signatures"));
        }

        // Fetch the keys together (the lookups are the slow part), then verify one by one: MimeKit reads the
        // message's content streams, which are not safe to read from two threads.
        var keys = await Task.WhenAll(checks.Select(c => c.Result is null ? _keys.GetAsync(c.Domain!, c.Selector!, cancellationToken) : Task.FromResult(NotLookedUp))).ConfigureAwait(false);
        var results = new List<DkimSignatureResult>(checks.Count);
        for (var i = 0; i < checks.Count; i++)
        {
            var check = checks[i];
            results.Add(check.Result is { } done ? check.ToResult(done, check.Reason) : await VerifyAsync(message, check, keys[i], cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private async Task<DkimSignatureResult> VerifyAsync(MimeMessage message, Check check, DkimPublicKey key, CancellationToken cancellationToken)
    {
        if (key.Key is null)
        {
            return check.ToResult(key.Error, key.Reason);
        }

        var algorithm = check.Algorithm!;
        var expectedType = algorithm.StartsWith("ed25519-", StringComparison.Ordinal) ? "ed25519" : "rsa";
        if (key.KeyType != expectedType)
        {
            return check.ToResult(DkimResult.PermError, $"key type {key.KeyType} does not fit a={algorithm}");
        }

        var hash = algorithm[(algorithm.IndexOf('-', StringComparison.Ordinal) + 1)..];
        if (key.HashAlgorithms is { } hashes && !hashes.Contains(hash))
        {
            return check.ToResult(DkimResult.PermError, $"key does not allow {hash} (h=)");
        }

        if (key.StrictIdentity && check.Identity is { } identity && !DomainOf(identity).Equals(check.Domain, StringComparison.OrdinalIgnoreCase))
        {
            return check.ToResult(DkimResult.PermError, "key has t=s and i= is a subdomain of d=");
        }

        if (key.Key is RsaKeyParameters rsa && rsa.Modulus.BitLength < _options.MinimumRsaKeyBits)
        {
            return check.ToResult(DkimResult.Policy, $"RSA key of {rsa.Modulus.BitLength} bits is under {_options.MinimumRsaKeyBits}");
        }

        var verifier = new DkimVerifier(new FixedKeyLocator(key.Key)) { MinimumRsaKeyLength = Math.Min(_options.MinimumRsaKeyBits, 1024) };
        if (_options.AllowRsaSha1)
        {
            verifier.Enable(DkimSignatureAlgorithm.RsaSha1);
        }

        try
        {
            return await verifier.VerifyAsync(message, check.Field, cancellationToken).ConfigureAwait(false)
                ? check.ToResult(DkimResult.Pass, null)
                : check.ToResult(DkimResult.Fail, "signature did not verify");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // MimeKit throws FormatException for what it cannot parse; whatever it is, this signature is unusable.
            return check.ToResult(DkimResult.PermError, $"malformed signature: {e.Message}");
        }
    }

    private Check Inspect(Header field)
    {
        if (!TagList.TryParse(field.Value, out var tags, out var error))
        {
            return Check.Done(field, null, DkimResult.PermError, $"malformed DKIM-Signature: {error}");
        }

        var check = new Check(field, tags);
        if (Required.FirstOrDefault(t => !tags.Contains(t)) is { } missing)
        {
            return check.Finish(DkimResult.PermError, $"DKIM-Signature has no {missing}= tag");
        }

        if (tags["v"] != "1")
        {
            return check.Finish(DkimResult.PermError, $"unknown version v={tags["v"]}");
        }

        switch (tags["a"])
        {
            case "rsa-sha256" or "ed25519-sha256":
                break;
            case "rsa-sha1" when !_options.AllowRsaSha1:
                return check.Finish(DkimResult.Policy, "rsa-sha1 is not accepted (RFC 8301)");
            case "rsa-sha1":
                break;
            default:
                return check.Finish(DkimResult.PermError, $"unknown algorithm a={tags["a"]}");
        }

        if (!DomainNames.IsValid(check.Domain) || !DomainNames.IsValidSelector(check.Selector))
        {
            return check.Finish(DkimResult.PermError, "d= or s= is not a domain name");
        }

        // 6.1.1: From must be signed; i= must be d= or a subdomain of it.
        if (!tags["h"]!.Split(':').Any(h => h.Trim().Equals("from", StringComparison.OrdinalIgnoreCase)))
        {
            return check.Finish(DkimResult.PermError, "From is not signed (h=)");
        }

        if (check.Identity is { } identity)
        {
            var domain = DomainOf(identity);
            if (!domain.Equals(check.Domain, StringComparison.OrdinalIgnoreCase) && !domain.EndsWith("." + check.Domain, StringComparison.OrdinalIgnoreCase))
            {
                return check.Finish(DkimResult.PermError, "i= is not in d=");
            }
        }

        // 3.5: b= and bh= are base64 (folding white space allowed inside).
        if (!IsBase64(tags["b"]!) || !IsBase64(tags["bh"]!))
        {
            return check.Finish(DkimResult.PermError, "b= or bh= is not base64");
        }

        if (tags["c"] is { } c && !IsCanonicalization(c))
        {
            return check.Finish(DkimResult.PermError, $"unknown canonicalization c={c}");
        }

        if (tags["q"] is { } q && !q.Split(':').Any(m => m.Trim() == "dns/txt"))
        {
            return check.Finish(DkimResult.PermError, $"unknown query method q={q}");
        }

        if (tags["l"] is { } l && !long.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return check.Finish(DkimResult.PermError, "l= is not a number");
        }

        long signedAt = 0;
        if (tags["t"] is { } t && !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out signedAt))
        {
            return check.Finish(DkimResult.PermError, "t= is not a number");
        }

        if (tags["x"] is { } x)
        {
            if (!long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || (tags["t"] is not null && expires < signedAt))
            {
                return check.Finish(DkimResult.PermError, "x= is not a number after t=");
            }

            // 3.5, 6.1.1: an expired signature is a PERMFAIL, not a failed verification.
            if (expires < _time.GetUtcNow().ToUnixTimeSeconds())
            {
                return check.Finish(DkimResult.PermError, "signature expired (x=)");
            }
        }

        return check;
    }

    private static bool IsBase64(string value)
    {
        var text = TagList.WithoutWhitespace(value);
        Span<byte> scratch = stackalloc byte[256];
        return text.Length > 0 && (text.Length <= 340 ? Convert.TryFromBase64String(text, scratch, out _) : Convert.TryFromBase64String(text, new byte[text.Length], out _));
    }

    private static bool IsCanonicalization(string value)
    {
        var parts = value.Split('/');
        return parts.Length <= 2 && parts.All(p => p is "simple" or "relaxed");
    }

    private static string DomainOf(string identity)
    {
        var at = identity.LastIndexOf('@');
        return at < 0 ? identity : identity[(at + 1)..];
    }

    /// <summary>One field on its way: its tags, and its result once known.</summary>
    private sealed class Check
    {
        public Check(Header field, TagList? tags)
        {
            Field = field;
            if (tags is not null)
            {
                Domain = tags["d"];
                Selector = tags["s"];
                Identity = tags["i"];
                Algorithm = tags["a"];
                SignaturePrefix = tags["b"] is { } b ? Prefix(TagList.WithoutWhitespace(b)) : null;
            }
        }

        public Header Field { get; }

        public string? Domain { get; }

        public string? Selector { get; }

        public string? Identity { get; }

        public string? Algorithm { get; }

        public string? SignaturePrefix { get; }

        public DkimResult? Result { get; private set; }

        public string? Reason { get; private set; }

        public static Check Done(Header field, TagList? tags, DkimResult result, string reason) => new Check(field, tags).Finish(result, reason);

        public Check Finish(DkimResult result, string reason)
        {
            Result = result;
            Reason = reason;
            return this;
        }

        public DkimSignatureResult ToResult(DkimResult result, string? reason) =>
            new(result, Domain, Selector, Identity, Algorithm, SignaturePrefix, result == DkimResult.Pass ? null : reason);

        private static string Prefix(string b) => b.Length <= 8 ? b : b[..8];
    }
}
