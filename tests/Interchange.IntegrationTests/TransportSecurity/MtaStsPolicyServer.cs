using System.Net;

namespace Interchange.IntegrationTests.TransportSecurity;

/// <summary>
/// An MTA-STS policy host: Python's http.server behind Python's ssl on port 443 of a loopback
/// address, serving one body at /.well-known/mta-sts.txt with the media type given, and printing a
/// line per request (so a test can count fetches).
/// </summary>
public sealed class MtaStsPolicyServer : IAsyncDisposable
{
    private const string Script = """
        import http.server, ssl, sys
        address, certfile, keyfile, bodyfile, media, status = sys.argv[1:7]
        body = open(bodyfile, 'rb').read()
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                print('GET ' + self.path, flush=True)
                if self.path != '/.well-known/mta-sts.txt':
                    self.send_error(404)
                    return
                self.send_response(int(status))
                if status.startswith('3'):
                    self.send_header('Location', 'https://' + address + '/elsewhere')
                self.send_header('Content-Type', media)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, format, *args):
                pass
        server = http.server.ThreadingHTTPServer((address, 443), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print('listening', flush=True)
        server.serve_forever()
        """;

    private readonly BackgroundProcess _process;

    private MtaStsPolicyServer(BackgroundProcess process) => _process = process;

    /// <summary>Policy fetches seen so far.</summary>
    public int Fetches => _process.Output.Count(l => l == "GET /.well-known/mta-sts.txt");

    /// <summary>Requests of any path seen so far (a followed redirect would add one).</summary>
    public int Requests => _process.Output.Count(l => l.StartsWith("GET ", StringComparison.Ordinal));

    /// <summary>Serves <paramref name="policy"/> with <paramref name="mediaType"/> and <paramref name="status"/> (a 3xx adds a Location).</summary>
    /// <summary>Waits (bounded) until Python has printed <paramref name="count"/> requests (its output reaches us a moment after it answered).</summary>
    public Task WaitForRequestsAsync(int count, TimeSpan timeout) =>
        _process.WaitForOutputAsync(_ => Requests >= count, timeout);

    public static async Task<MtaStsPolicyServer> StartAsync(string folder, IPAddress address, (string CertificateFile, string KeyFile) tls, string policy, string mediaType = "text/plain", int status = 200)
    {
        System.IO.Directory.CreateDirectory(folder);
        var script = Path.Combine(folder, "policy-server.py");
        var body = Path.Combine(folder, "mta-sts.txt");
        await File.WriteAllTextAsync(script, Script);
        await File.WriteAllTextAsync(body, policy);
        var process = BackgroundProcess.Start("/usr/bin/python3", script, address.ToString(), tls.CertificateFile, tls.KeyFile, body, mediaType, status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            await process.WaitForOutputAsync(l => l == "listening", TimeSpan.FromSeconds(20));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return new MtaStsPolicyServer(process);
    }

    public string Describe() => "policy server:\n" + string.Join('\n', _process.Output);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
