namespace Interchange.IntegrationTests.MailAuth.Spf;

/// <summary>The Python side of the SPF differential test, run with Debian's /usr/bin/python3:
/// "dump" turns the openspf RFC 7208 test suite that Debian's python3-spf ships into JSON (zones and
/// cases); "check" evaluates cases with pyspf, its DNS pointed only at the test's dnsmasq.</summary>
internal static class PyspfSuite
{
    public const string SuitePath = "/usr/share/doc/python3-spf/rfc7208-tests.yml.gz";

    public const string Script = """
        import gzip, json, sys

        def dump(path):
            import yaml
            out = []
            for doc in yaml.safe_load_all(gzip.open(path, 'rb')):
                records, timeouts = [], []
                for name, rrs in doc['zonedata'].items():
                    txt_seen = any(isinstance(rr, dict) and 'TXT' in rr for rr in rrs)
                    generated = []
                    for rr in rrs:
                        if rr == 'TIMEOUT':
                            timeouts.append(name)
                            continue
                        for t, v in rr.items():
                            if t in ('TXT', 'SPF'):
                                if v == 'NONE':
                                    continue
                                v = [v] if isinstance(v, str) else list(v)
                                # As the suite's own driver does: SPF-type data doubles as TXT when a
                                # name has no TXT entries (RFC 7208 dropped the SPF RR type).
                                if t == 'SPF' and not txt_seen:
                                    generated.append({'name': name, 'type': 'TXT', 'value': v})
                            if t == 'MX':
                                v = [v[0], v[1]]
                            records.append({'name': name, 'type': t, 'value': v})
                    records.extend(generated)
                tests = []
                for tid, t in doc['tests'].items():
                    result = t['result']
                    tests.append({'id': tid, 'spec': str(t.get('spec', '')), 'host': t['host'],
                                  'mailfrom': t.get('mailfrom', ''), 'helo': t.get('helo', ''),
                                  'results': result if isinstance(result, list) else [result],
                                  'explanation': t.get('explanation')})
                out.append({'description': doc.get('description', ''), 'records': records,
                            'timeouts': timeouts, 'tests': tests})
            json.dump(out, sys.stdout)

        def check(server, port):
            import warnings
            warnings.simplefilter('ignore')
            import dns.resolver, spf
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [server]
            resolver.port = int(port)
            resolver.lifetime = 2
            dns.resolver.default_resolver = resolver
            out = []
            for case in json.load(sys.stdin):
                q = spf.query(i=case['host'], s=case['mailfrom'], h=case['helo'], timeout=2)
                q.set_default_explanation('DEFAULT')
                try:
                    res, code, exp = q.check()
                except Exception as e:
                    res, exp = 'exception', '%s: %s' % (type(e).__name__, e)
                out.append({'result': {'unknown': 'permerror', 'error': 'temperror'}.get(res, res), 'explanation': exp})
            json.dump(out, sys.stdout)

        if sys.argv[1] == 'dump':
            dump(sys.argv[2])
        else:
            check(sys.argv[2], sys.argv[3])
        """;
}
