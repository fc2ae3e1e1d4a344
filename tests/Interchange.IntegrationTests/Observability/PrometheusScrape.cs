using System.Globalization;
using System.Text.Json;
using Shouldly;

namespace Interchange.IntegrationTests.Observability;

/// <summary>
/// One scrape of <c>/metrics</c> taken with curl and read by Prometheus's own Python client
/// (Debian's python3-prometheus-client, <c>text_string_to_metric_families</c>): if the text were
/// not valid exposition format, the parser would say so, not our code.
/// </summary>
public sealed class PrometheusScrape
{
    private PrometheusScrape(IReadOnlyList<Sample> samples) => Samples = samples;

    public IReadOnlyList<Sample> Samples { get; }

    public IReadOnlySet<string> Names => Samples.Select(s => s.Name).ToHashSet();

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).Sum(s => s.Value);

    public static async Task<PrometheusScrape> TakeAsync(int httpPort, string scratch)
    {
        var file = Path.Combine(scratch, $"scrape-{Guid.NewGuid():N}.txt");
        var curl = await ExternalProcess.RunAsync("curl", ["-sS", "--max-time", "20", "-o", file, "-w", "%{http_code}", $"http://127.0.0.1:{httpPort}/metrics"], timeout: TimeSpan.FromSeconds(30));
        curl.Stdout.Trim().ShouldBe("200", ExternalProcess.Describe(curl));
        var parse = await ExternalProcess.DebianPythonAsync($$"""
            import json
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            with open({{JsonSerializer.Serialize(file)}}) as f:
                for family in text_string_to_metric_families(f.read()):
                    for s in family.samples:
                        out.append({"name": s.name, "labels": s.labels, "value": s.value})
            print(json.dumps(out))
            """, TimeSpan.FromSeconds(30));
        parse.ExitCode.ShouldBe(0, ExternalProcess.Describe(parse));
        using var json = JsonDocument.Parse(parse.Stdout);
        var samples = json.RootElement.EnumerateArray().Select(e => new Sample(
            e.GetProperty("name").GetString()!,
            e.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            e.GetProperty("value").GetDouble())).ToList();
        return new PrometheusScrape(samples);
    }

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public override string ToString() => $"{Name}{{{string.Join(',', Labels.Select(l => $"{l.Key}={l.Value}"))}}} {Value.ToString(CultureInfo.InvariantCulture)}";
    }
}
