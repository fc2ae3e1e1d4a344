using System.Text;
using Interchange.Core.Addressing;
using Interchange.MailAuth.Arc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using MimeKit.Cryptography;

namespace Interchange.MailAuth.Dkim;

/// <summary>
/// Signs mail on its way out. Given the bytes that will leave (after any 7-bit conversion), it
/// returns the header fields to put in front of them, CRLF-terminated, and changes nothing
/// stored:
/// <list type="bullet">
/// <item>an ARC set (RFC 8617: ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results) when the
/// message is <c>forwarded</c> (came from outside, leaves to a remote address) and <c>Arc:SealForwarded</c>;</item>
/// <item>a DKIM-Signature (RFC 6376) per active key of the RFC 5322.From domain (the identity
/// DMARC aligns with, RFC 7489 3.1), so an RSA and an Ed25519 key sign twice (RFC 8463).</item>
/// </list>
/// Never throws for the message or the keys (a message it cannot sign leaves unsigned, with a
/// log line); only the caller's cancellation ends it early. Safe for concurrent use.
/// </summary>
public sealed class OutboundSigner
{
    private readonly DkimKeyring _keys;
    private readonly DkimSigningOptions _dkim;
    private readonly ArcOptions _arc;
    private readonly string _arcDomain;
    private readonly string _authServId;
    private readonly IDkimPublicKeyLocator? _arcKeys;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;

    /// <param name="keys">The key store as the server sees it.</param>
    /// <param name="primaryDomain">The primary domain: the sealing domain unless <c>Arc:Domain</c> says otherwise.</param>
    /// <param name="hostName">Our authserv-id (the one inbound verification writes: <c>Smtp:Authentication:AuthservId</c>, else the SMTP host name) unless <c>Arc:AuthServId</c> says otherwise.</param>
    /// <param name="arcKeys">Public keys for checking an earlier ARC chain (the verifier's shared key cache, <see cref="MessageAuthenticator.KeyLocator"/>); without it, a message with a chain but no <c>arc=</c> result recorded at arrival is not sealed.</param>
    public OutboundSigner(DkimKeyring keys, DkimSigningOptions dkim, ArcOptions arc, string primaryDomain, string hostName, IDkimPublicKeyLocator? arcKeys = null, ILogger? logger = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(dkim);
        ArgumentNullException.ThrowIfNull(arc);
        _keys = keys;
        _dkim = dkim;
        _arc = arc;
        _arcDomain = DkimKeyStore.Canonical(arc.Domain ?? primaryDomain);
        _authServId = string.IsNullOrWhiteSpace(arc.AuthServId) ? hostName : arc.AuthServId.Trim();
        _arcKeys = arcKeys;
        _clock = clock ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// The fields to put before <paramref name="message"/> (read from its position to its end), or
    /// nothing. <paramref name="forwarded"/>: the message came from outside and is relayed on.
    /// </summary>
    public async Task<byte[]> SignAsync(Stream message, bool forwarded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var seal = forwarded && _arc.SealForwarded;
        if (!_dkim.Enabled && !seal)
        {
            return [];
        }

        var keys = _keys.Current;
        if (keys.Count == 0)
        {
            return [];
        }

        try
        {
            // Persistent on a seekable stream: parts stay in the stream (read again to hash the body), not copied into memory.
            var parsed = await MimeMessage.LoadAsync(ParserOptions.Default, message, persistent: message.CanSeek, cancellationToken).ConfigureAwait(false);
            var before = parsed.Headers.Count;
            var format = FormatOptions.Default.Clone();
            format.NewLineFormat = NewLineFormat.Dos;
            var headers = DkimHeaderSet.For(parsed, _dkim.SignHeaders);

            // The seal first, the DKIM signature after: both cover the same bytes, and neither covers the other (h= never names them).
            if (seal)
            {
                await SealAsync(parsed, keys, format, headers, cancellationToken).ConfigureAwait(false);
            }

            if (_dkim.Enabled && FromDomain(parsed) is { } domain)
            {
                foreach (var key in keys.Active(domain))
                {
                    var signer = new ClockedDkimSigner(key, domain, _clock)
                    {
                        SignaturesExpireAfter = _dkim.Expiration,
                    };
                    signer.Sign(format, parsed, [.. headers]);
                }
            }

            return Serialize(parsed.Headers.Take(parsed.Headers.Count - before));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A message that cannot be signed is sent unsigned, never held back by a signing fault.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.LogWarning("dkim: message not signed: {Reason}", ex.Message);
            return [];
        }
    }

    /// <summary>The RFC 5322.From domain when every From mailbox has the same one (RFC 7489 6.6.1), canonical; else null.</summary>
    public static string? FromDomain(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var domains = message.From.Mailboxes
            .Select(m => DomainName.TryParse(m.Domain, out var d, out _) ? d.Value : null)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return domains is [{ } only] ? only : null;
    }

    private async Task SealAsync(MimeMessage message, DkimKeySet keys, FormatOptions format, IReadOnlyList<string> headers, CancellationToken cancellationToken)
    {
        // RFC 8617 4.1: the ARC signature algorithm is rsa-sha256 only.
        var key = _arc.Selector is { } selector
            ? keys.Find(_arcDomain, selector)
            : keys.Active(_arcDomain).FirstOrDefault(k => k.Info.Algorithm == DkimKeyAlgorithm.Rsa);
        if (key is null || key.Info.Algorithm != DkimKeyAlgorithm.Rsa)
        {
            _logger.LogDebug("arc: no RSA key for {Domain}{Selector}: forwarded message not sealed", _arcDomain, _arc.Selector is null ? string.Empty : " selector " + _arc.Selector);
            return;
        }

        var results = ArrivalResults(message);
        if (message.Headers.Contains(HeaderId.ArcSeal) && !results.Results.Any(r => string.Equals(r.Method, "arc", StringComparison.OrdinalIgnoreCase)))
        {
            // An earlier chain: cv= says what we found (RFC 8617 5.1.1). Not recorded at arrival: check it now, or do not seal.
            if (_arcKeys is null)
            {
                _logger.LogInformation("arc: the message has an ARC chain nobody checked: not sealed");
                return;
            }

            var verified = await new ArcVerifier(_arcKeys).VerifyAsync(message, cancellationToken).ConfigureAwait(false);
            results.Results.Add(new AuthenticationMethodResult("arc", verified.Chain == ArcSignatureValidationResult.Pass ? "pass" : "fail"));
        }

        var sealer = new ArcSealer(key, _arcDomain, results, _clock);
        await sealer.SignAsync(format, message, [.. headers], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The results our inbound checks recorded (RFC 8617 4.1.1: the AAR is a copy of them): the
    /// topmost Authentication-Results with our authserv-id (RFC 8601 5: others' are not to be
    /// trusted); <c>authserv-id; none</c> when there is none.
    /// </summary>
    private AuthenticationResults ArrivalResults(MimeMessage message)
    {
        var results = new AuthenticationResults(_authServId);
        foreach (var header in message.Headers.Where(h => h.Id == HeaderId.AuthenticationResults))
        {
            if (AuthenticationResults.TryParse(header.RawValue, out var parsed)
                && string.Equals(parsed.AuthenticationServiceIdentifier, _authServId, StringComparison.OrdinalIgnoreCase))
            {
                results.Results.AddRange(parsed.Results);
                break;
            }
        }

        return results;
    }

    /// <summary>The added fields as they go on the wire: name, colon, the folded value, CRLF line ends.</summary>
    private static byte[] Serialize(IEnumerable<Header> fields)
    {
        var text = new StringBuilder();
        foreach (var field in fields)
        {
            var value = Encoding.ASCII.GetString(field.RawValue).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
            text.Append(field.Field).Append(':').Append(value);
            if (!value.EndsWith("\r\n", StringComparison.Ordinal))
            {
                text.Append("\r\n");
            }
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
