using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Interchange.IntegrationTests.MailAuth;

/// <summary>
/// Independent judges of our signatures, each reading keys from the test's DNS server:
/// python3-dkim (dkimpy: <c>dkim.verify</c> per signature, <c>dkim.arc_verify</c>) through a
/// dnspython resolver pointed at it, and OpenDKIM (<c>opendkim -t</c>, its test mode) with
/// <c>Nameservers</c> pointing there.
/// </summary>
public static class DkimVerifiers
{
    private const string DnsFunction = """
        import dns.resolver
        def make_dnsfunc(ip, port):
            r = dns.resolver.Resolver(configure=False)
            r.nameservers = [ip]
            r.port = port
            def dnsfunc(name, timeout=5):
                if isinstance(name, bytes):
                    name = name.decode()
                try:
                    answer = r.resolve(name.rstrip('.'), 'TXT', lifetime=timeout)
                except Exception:
                    return None
                for rd in answer:
                    return b''.join(rd.strings)
                return None
            return dnsfunc
        """;

    /// <summary>One verdict per DKIM-Signature, top first: (passed, a=, s=).</summary>
    public static async Task<IReadOnlyList<(bool Passed, string Algorithm, string Selector)>> PythonDkimAsync(string messageFile, IPEndPoint dns)
    {
        var script = DnsFunction + """

            import sys, json, dkim
            msg = open(sys.argv[1], 'rb').read()
            dnsfunc = make_dnsfunc(sys.argv[2], int(sys.argv[3]))
            count = sum(1 for line in msg.split(b'\r\n\r\n', 1)[0].split(b'\r\n') if line.lower().startswith(b'dkim-signature:'))
            out = []
            for i in range(count):
                d = dkim.DKIM(msg, minkey=1024)
                try:
                    ok = bool(d.verify(idx=i, dnsfunc=dnsfunc))
                except Exception as e:
                    ok = False
                f = d.signature_fields or {}
                out.append([ok, f.get(b'a', b'').decode(), f.get(b's', b'').decode()])
            print(json.dumps(out))
            """;
        var result = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", script, messageFile, dns.Address.ToString(), dns.Port.ToString(CultureInfo.InvariantCulture)]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("dkimpy failed:\n" + ExternalProcess.Describe(result));
        }

        return JsonDocument.Parse(result.Stdout).RootElement.EnumerateArray()
            .Select(e => (e[0].GetBoolean(), e[1].GetString()!, e[2].GetString()!)).ToList();
    }

    /// <summary>dkimpy's <c>arc_verify</c>: the chain's validation (pass, fail, none) and its reason.</summary>
    public static async Task<(string Chain, string Reason)> PythonArcAsync(string messageFile, IPEndPoint dns)
    {
        var script = DnsFunction + """

            import sys, json, dkim
            msg = open(sys.argv[1], 'rb').read()
            cv, results, reason = dkim.arc_verify(msg, dnsfunc=make_dnsfunc(sys.argv[2], int(sys.argv[3])))
            print(json.dumps([cv.decode() if isinstance(cv, bytes) else str(cv), str(reason)]))
            """;
        var result = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", script, messageFile, dns.Address.ToString(), dns.Port.ToString(CultureInfo.InvariantCulture)]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("dkimpy arc_verify failed:\n" + ExternalProcess.Describe(result));
        }

        var verdict = JsonDocument.Parse(result.Stdout).RootElement;
        return (verdict[0].GetString()!, verdict[1].GetString()!);
    }

    /// <summary>OpenDKIM's test mode on the message: its exit code and what it printed (one line per signature with -vv).</summary>
    public static async Task<ExternalProcess.Result> OpenDkimAsync(string messageFile, IPEndPoint dns, string folder)
    {
        // OpenDKIM resolves with libunbound: its configuration forwards every query to the test's
        // server (on a port of its own, which Nameservers cannot say) and allows loopback servers.
        var unbound = Path.Combine(folder, "unbound.conf");
        await File.WriteAllTextAsync(unbound, string.Join('\n',
            "server:",
            "  do-not-query-localhost: no",
            "  local-zone: \"test.\" nodefault", // unbound answers .test itself (RFC 6761) unless told not to
            "forward-zone:",
            "  name: \".\"",
            $"  forward-addr: {dns.Address}@{dns.Port.ToString(CultureInfo.InvariantCulture)}",
            ""));
        var config = Path.Combine(folder, "opendkim.conf");
        await File.WriteAllTextAsync(config, string.Join('\n',
            "Mode v",
            "Syslog no",
            $"ResolverConfiguration {unbound}",
            "AlwaysAddARHeader yes",
            ""));
        return await ExternalProcess.RunAsync("/usr/sbin/opendkim", ["-x", config, "-vv", "-t", messageFile]);
    }
}
