using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Interchange.Smtp.Client;
using Interchange.Transport.Dns;

namespace Interchange.Smtp.Delivery.Security;

/// <summary>
/// Fetches <c>https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt</c> as RFC 8461 3.3 says: the
/// policy host's certificate valid for its name (PKIX: the system's anchors plus the configured
/// ones), no redirects followed, no HTTP cache, 200 only, media type text/plain, a size limit and a
/// timeout on the whole exchange. The host's addresses come from the transport's resolver, so the
/// fetch sees the DNS the delivery sees. One instance (one connection pool) for the process.
/// </summary>
public sealed class MtaStsPolicyFetcher : IMtaStsPolicyFetcher, IDisposable
{
    private readonly HttpClient _http;
    private readonly IDnsResolver _dns;
    private readonly MtaStsOptions _options;
    private readonly X509Certificate2Collection _anchors;
    private readonly TimeProvider _clock;

    public MtaStsPolicyFetcher(IDnsResolver dns, MtaStsOptions options, X509Certificate2Collection? anchors = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        ArgumentNullException.ThrowIfNull(options);
        _dns = dns;
        _options = options;
        _anchors = anchors ?? [];
        _clock = clock ?? TimeProvider.System;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectAsync,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = Validate,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Interchange", "1.0"));
    }

    public static Uri PolicyUri(string domain) => new($"https://mta-sts.{domain.TrimEnd('.')}/.well-known/mta-sts.txt");

    public async Task<MtaStsFetchResult> FetchAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        var uri = PolicyUri(domain);
        using var timeout = new CancellationTokenSource(_options.FetchTimeout, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                // 3xx included: RFC 8461 3.3 says redirects MUST NOT be followed.
                return MtaStsFetchResult.Failed(SmtpTlsFailure.StsPolicyFetchError, $"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (!string.Equals(mediaType, "text/plain", StringComparison.OrdinalIgnoreCase))
            {
                return MtaStsFetchResult.Failed(SmtpTlsFailure.StsPolicyInvalid, $"{uri} is {mediaType ?? "without a media type"}, not text/plain");
            }

            if (response.Content.Headers.ContentLength > _options.MaxPolicySize)
            {
                return MtaStsFetchResult.Failed(SmtpTlsFailure.StsPolicyFetchError, $"{uri} is {response.Content.Headers.ContentLength} bytes, over {_options.MaxPolicySize}");
            }

            var body = await ReadLimitedAsync(response, linked.Token).ConfigureAwait(false);
            if (body is null)
            {
                return MtaStsFetchResult.Failed(SmtpTlsFailure.StsPolicyFetchError, $"{uri} is over {_options.MaxPolicySize} bytes");
            }

            string text;
            try
            {
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
            }
            catch (DecoderFallbackException)
            {
                return MtaStsFetchResult.Failed(SmtpTlsFailure.StsPolicyInvalid, $"{uri} is not UTF-8 text");
            }

            return MtaStsPolicy.TryParse(text, out var policy, out var error)
                ? MtaStsFetchResult.Fetched(policy!)
                : MtaStsFetchResult.Failed(SmtpTlsFailure.StsPolicyInvalid, $"{uri}: {error}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return MtaStsFetchResult.Failed(SmtpTlsFailure.StsPolicyFetchError, $"{uri}: no answer within {_options.FetchTimeout.TotalSeconds:F0} s");
        }
        catch (HttpRequestException ex) when (FindAuthenticationFailure(ex) is { } tls)
        {
            return MtaStsFetchResult.Failed(SmtpTlsFailure.StsWebpkiInvalid, $"{uri}: the certificate of mta-sts.{domain} is not valid: {tls.Message}");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or SocketException or InvalidOperationException)
        {
            return MtaStsFetchResult.Failed(SmtpTlsFailure.StsPolicyFetchError, $"{uri}: {ex.Message}");
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<byte[]?> ReadLimitedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[_options.MaxPolicySize + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return total > _options.MaxPolicySize ? null : buffer[..total];
        }
    }

    private static AuthenticationException? FindAuthenticationFailure(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is AuthenticationException tls)
            {
                return tls;
            }
        }

        return null;
    }

    /// <summary>RFC 8461 3.3: the policy host's certificate is validated as for HTTPS (RFC 2818): a trusted chain, the host's name.</summary>
    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null || _anchors.Count == 0 || sender is not SslStream ssl)
        {
            return false;
        }

        using var own = new X509Chain();
        own.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        own.ChainPolicy.CustomTrustStore.AddRange(_anchors);
        own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            own.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
        }

        using var leaf = new X509Certificate2(certificate);
        return own.Build(leaf) && leaf.MatchesHostname(ssl.TargetHostName);
    }

    /// <summary>Connects to the policy host by the transport's DNS (A, then AAAA), each address in turn.</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        List<IPAddress> addresses = [];
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses.Add(literal);
        }
        else
        {
            foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
            {
                var lookup = await _dns.GetAddressesAsync(host, family, cancellationToken).ConfigureAwait(false);
                addresses.AddRange(lookup.Records.Take(4));
            }
        }

        if (addresses.Count == 0)
        {
            throw new HttpRequestException($"{host} has no address");
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw new HttpRequestException($"connect to {host}:{port} failed: {last?.SocketErrorCode}", last);
    }
}
