using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Interchange.MailAuth.Spf;
using Interchange.Testing.Dns;
using Interchange.Transport.Dns;
using Xunit;
using Xunit.Abstractions;

namespace Interchange.IntegrationTests.MailAuth.Spf;

/// <summary>Interchange's SPF against pyspf (Debian python3-spf, an implementation nobody here wrote) on
/// the openspf RFC 7208 test suite that Debian ships with it (and our own cases from the RFC, SpfExtraCases):
/// each scenario's zone is served by dnsmasq
/// on loopback, both implementations ask only that server, and every case must give the same result,
/// a result the suite allows, and the suite's explanation where it names one.</summary>
public sealed class SpfDifferentialTests(ITestOutputHelper output)
{
    // Picked after grepping the tests for "127.0.0.": no other test uses it.
    private static readonly IPAddress Loopback = IPAddress.Parse("127.0.0.117");

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>Cases where pyspf's answer differs from the suite's and ours: case id → why (RFC section).
    /// Each is still asserted: ours must be the suite's result and pyspf's must be the one noted.</summary>
    private static readonly Dictionary<string, (string Pyspf, string Why)> PyspfDeviations = new(StringComparer.Ordinal)
    {
        ["multispf1"] = ("fail", "two identical TXT records: dnspython merges identical records into one RRset (RFC 2181 5), so pyspf sees one "
            + "record; we see the two dnsmasq sends, and RFC 7208 4.5 makes that permerror (the suite allows both, preferring permerror)"),
        ["x-void-mx-hosts"] = ("permerror", "pyspf counts every empty answer as a void lookup, here the A queries of three IPv6-only MX hosts "
            + "for an IPv4 client; RFC 7208 4.6.4 limits \"terms\" whose DNS queries return nothing, and this mx term's MX query answered: "
            + "counting per query would make a sound record (IPv6-only MX hosts) a permerror for every IPv4 client"),
        ["x-ptr-timeout"] = ("temperror", "pyspf ends the check with temperror when the PTR query of the ptr mechanism times out; RFC 7208 5.5: "
            + "\"If a DNS error occurs while doing the PTR RR lookup, then this mechanism fails to match\", so -all gives fail"),
    };

    /// <summary>Explanations where ours deliberately differs from the suite's text: case id → (ours, why).</summary>
    private static readonly Dictionary<string, (string Ours, string Why)> ExplanationDeviations = new(StringComparer.Ordinal)
    {
        ["v-macro-ip6"] = (
            "cafe:babe::1 is queried as 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.e.b.a.b.e.f.a.c.ip6.arpa",
            "%{i} of an IPv6 client in lower-case nibbles, as RFC 7208 7.4's example writes it; the suite copies pyspf's upper case"),
    };

    [Fact]
    public async Task Rfc7208SuiteGivesTheSameResultsAsPyspfOnTheSameZone()
    {
        Assert.True(File.Exists(PyspfSuite.SuitePath), $"{PyspfSuite.SuitePath} is missing: install Debian's python3-spf");
        var scenarios = await DumpSuiteAsync();
        Assert.True(scenarios.Count >= 15, "the suite has its 15+ scenarios");
        scenarios.AddRange(JsonSerializer.Deserialize<List<Scenario>>(SpfExtraCases.Json, Json)!);

        // A UDP socket that never reads: names forwarded to it time out, as the suite's TIMEOUT entries want.
        using var blackhole = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        blackhole.Bind(new IPEndPoint(Loopback, 0));
        var blackholeEndPoint = (IPEndPoint)blackhole.LocalEndPoint!;

        var rows = new List<Row>();
        foreach (var scenario in scenarios)
        {
            await using var server = await DnsTestServer.StartAsync(Zone(scenario, blackholeEndPoint), Loopback);
            var resolver = new DnsClientResolver(new DnsOptions { Servers = { server.Server }, Timeout = TimeSpan.FromSeconds(1), Retries = 0, UseCache = false });
            var evaluator = new SpfEvaluator(resolver, new SpfOptions());
            var theirs = await PyspfAsync(server.EndPoint, scenario.Tests);
            for (var i = 0; i < scenario.Tests.Count; i++)
            {
                var test = scenario.Tests[i];
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                var ours = await evaluator.VerifyMailFromAsync(IPAddress.Parse(test.Host), test.Helo, test.MailFrom, bound.Token);
                rows.Add(new Row(scenario.Description, test, ours, theirs[i]));
            }
        }

        var failures = new List<string>();
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"{"case",-28} {"spec",-10} {"suite",-20} {"interchange",-12} {"pyspf",-12} verdict");
        foreach (var row in rows)
        {
            var ours = Lower(row.Ours.Result);
            var expected = row.Test.Results;
            var verdict = new List<string>();
            if (!expected.Contains(ours))
            {
                verdict.Add("interchange not in suite");
            }

            if (PyspfDeviations.TryGetValue(row.Test.Id, out var deviation))
            {
                if (row.Theirs.Result != deviation.Pyspf)
                {
                    verdict.Add($"pyspf deviation changed (noted {deviation.Pyspf})");
                }
            }
            else if (row.Theirs.Result != ours)
            {
                verdict.Add("DISAGREE");
            }

            if (row.Test.Explanation is { } explanation && explanation != "DEFAULT" && ours == "fail")
            {
                if (ExplanationDeviations.TryGetValue(row.Test.Id, out var different))
                {
                    if (row.Ours.Explanation != different.Ours || !string.Equals(explanation, different.Ours, StringComparison.OrdinalIgnoreCase))
                    {
                        verdict.Add($"explanation '{row.Ours.Explanation}' not '{different.Ours}'");
                    }
                }
                else if (row.Ours.Explanation != explanation)
                {
                    verdict.Add($"explanation '{row.Ours.Explanation}' not '{explanation}'");
                }
            }

            var text = verdict.Count == 0 ? (deviation.Why is null ? "ok" : "ok (pyspf deviates: " + deviation.Why + ")") : string.Join("; ", verdict);
            table.AppendLine(CultureInfo.InvariantCulture, $"{row.Test.Id,-28} {row.Test.Spec,-10} {string.Join('|', expected),-20} {ours,-12} {row.Theirs.Result,-12} {text}");
            if (verdict.Count > 0)
            {
                failures.Add($"{row.Test.Id} ({row.Scenario}, {row.Test.Spec}): {text}; ours: {row.Ours.Problem} {row.Ours.Explanation}; pyspf: {row.Theirs.Explanation}");
            }
        }

        var agree = rows.Count(r => r.Theirs.Result == Lower(r.Ours.Result));
        table.AppendLine(CultureInfo.InvariantCulture, $"{rows.Count} cases in {scenarios.Count} scenarios; interchange = pyspf in {agree}; interchange within the suite's results in {rows.Count(r => r.Test.Results.Contains(Lower(r.Ours.Result)))}");
        output.WriteLine(table.ToString());
        Assert.True(rows.Count >= 230, $"only {rows.Count} cases ran");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static string Lower(SpfResult result) => result.ToString().ToLowerInvariant();

    private static DnsTestRecords Zone(Scenario scenario, IPEndPoint blackhole)
    {
        // "#": every name is answered here (NXDOMAIN when unknown), as the suite's zone is the whole world.
        var records = new DnsTestRecords { Ttl = 0 }.Zone("#");
        var names = scenario.Records.Select(r => r.Name).Concat(scenario.Timeouts).ToList();
        foreach (var top in names.Select(n => n.TrimEnd('.').Split('.')[^1]).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            records.Zone(top);
        }

        foreach (var timeout in scenario.Timeouts)
        {
            records.Forward(timeout, blackhole);
        }

        // dnsmasq forwards a whole subtree: names below a timing-out one that have records stay local.
        foreach (var name in scenario.Records.Select(r => r.Name).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (scenario.Timeouts.Any(t => name.EndsWith("." + t, StringComparison.OrdinalIgnoreCase)))
            {
                records.Zone(name);
            }
        }

        foreach (var record in scenario.Records)
        {
            switch (record.Type)
            {
                case "TXT":
                    records.Raw(record.Name, 16, TxtData(record.Value));
                    break;
                case "SPF":
                    records.Raw(record.Name, 99, TxtData(record.Value));
                    break;
                case "A":
                    records.Raw(record.Name, 1, IPAddress.Parse(record.Value.GetString()!).GetAddressBytes());
                    break;
                case "AAAA":
                    records.Raw(record.Name, 28, IPAddress.Parse(record.Value.GetString()!).GetAddressBytes());
                    break;
                case "MX":
                {
                    var preference = record.Value[0].GetInt32();
                    var data = new List<byte> { (byte)(preference >> 8), (byte)preference };
                    data.AddRange(WireName(record.Value[1].GetString()!));
                    records.Raw(record.Name, 15, data.ToArray());
                    break;
                }

                case "PTR":
                    records.Ptr(record.Name, record.Value.GetString()!);
                    break;
                case "CNAME":
                {
                    // dnsmasq will not start with a CNAME loop (the suite has one on purpose): a CNAME whose
                    // target is itself an alias is served as a bare record of type 5, which a query for
                    // another type does not follow: the name then has no data, as a loop resolves to none.
                    var target = record.Value.GetString()!.TrimEnd('.');
                    if (scenario.Records.Any(r => r.Type == "CNAME" && r.Name.Equals(target, StringComparison.OrdinalIgnoreCase)))
                    {
                        records.Raw(record.Name, 5, WireName(target));
                    }
                    else
                    {
                        records.Cname(record.Name, target);
                    }

                    break;
                }
                default:
                    throw new InvalidOperationException($"record type {record.Type} in the suite");
            }
        }

        return records;
    }

    private static byte[] TxtData(JsonElement value)
    {
        var strings = value.EnumerateArray().Select(s => Encoding.UTF8.GetBytes(s.GetString()!)).ToList();
        if (strings.Count == 0)
        {
            // A TXT record holds at least one character-string (RFC 1035 3.3.14): an empty one.
            strings.Add([]);
        }

        var data = new List<byte>();
        foreach (var s in strings)
        {
            for (var offset = 0; offset == 0 || offset < s.Length; offset += 255)
            {
                var chunk = s.AsSpan(offset, Math.Min(255, s.Length - offset));
                data.Add((byte)chunk.Length);
                data.AddRange(chunk.ToArray());
            }
        }

        return data.ToArray();
    }

    private static byte[] WireName(string name)
    {
        var data = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            data.Add((byte)label.Length);
            data.AddRange(Encoding.ASCII.GetBytes(label));
        }

        data.Add(0);
        return data.ToArray();
    }

    private static async Task<List<Scenario>> DumpSuiteAsync()
    {
        var result = await ExternalProcess.RunAsync("/usr/bin/python3", ["-c", PyspfSuite.Script, "dump", PyspfSuite.SuitePath], timeout: TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
        return JsonSerializer.Deserialize<List<Scenario>>(result.Stdout, Json)!;
    }

    private static async Task<List<PyspfResult>> PyspfAsync(IPEndPoint server, IReadOnlyList<SuiteTest> tests)
    {
        var input = JsonSerializer.Serialize(tests.Select(t => new { host = t.Host, mailfrom = t.MailFrom, helo = t.Helo }));
        var result = await ExternalProcess.RunAsync(
            "/usr/bin/python3",
            ["-c", PyspfSuite.Script, "check", server.Address.ToString(), server.Port.ToString(CultureInfo.InvariantCulture)],
            stdin: input,
            timeout: TimeSpan.FromSeconds(300));
        Assert.True(result.ExitCode == 0, ExternalProcess.Describe(result));
        var results = JsonSerializer.Deserialize<List<PyspfResult>>(result.Stdout, Json)!;
        Assert.Equal(tests.Count, results.Count);
        return results;
    }

    private sealed record Scenario(string Description, List<SuiteRecord> Records, List<string> Timeouts, List<SuiteTest> Tests);

    private sealed record SuiteRecord(string Name, string Type, JsonElement Value);

    private sealed record SuiteTest(string Id, string Spec, string Host, string MailFrom, string Helo, List<string> Results, string? Explanation);

    private sealed record PyspfResult(string Result, string? Explanation);

    private sealed record Row(string Scenario, SuiteTest Test, SpfOutcome Ours, PyspfResult Theirs);
}
